package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// Metrics are Faro's Prometheus series, on a registry of their own (no
// global state: two servers in one test process count apart). Build one in
// the composition root and hand its methods to whatever counts: the
// agent's hook funcs, the channels, the model's fallback. A nil *Metrics
// counts nothing, so every method is safe to call on one.
type Metrics struct {
	reg *prometheus.Registry

	turns        *prometheus.CounterVec
	turnSeconds  *prometheus.HistogramVec
	toolCalls    *prometheus.CounterVec
	toolSeconds  *prometheus.HistogramVec
	modelErrors  *prometheus.CounterVec
	fallbacks    *prometheus.CounterVec
	websockets   prometheus.Gauge
	deliveries   *prometheus.CounterVec
	failures     *prometheus.CounterVec
	retries      *prometheus.CounterVec
	httpRequests *prometheus.CounterVec
	httpSeconds  *prometheus.HistogramVec
}

// NewMetrics returns Metrics with every series registered, plus the Go
// runtime's and the process's.
func NewMetrics() *Metrics {
	// Turns take from milliseconds (offline engine) to a minute (a hosted
	// model calling tools).
	turnBuckets := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_turns_total", Help: "Turns answered, by channel and outcome.",
		}, []string{"channel", "outcome"}),
		turnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "faro_turn_duration_seconds", Help: "Time to answer a turn, by channel.", Buckets: turnBuckets,
		}, []string{"channel"}),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_tool_calls_total", Help: "Tool calls, by tool and outcome.",
		}, []string{"tool", "outcome"}),
		toolSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "faro_tool_call_duration_seconds", Help: "Time a tool call took, by tool.", Buckets: prometheus.DefBuckets,
		}, []string{"tool"}),
		modelErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_model_errors_total", Help: "Failed calls to the configured model's provider, by provider.",
		}, []string{"provider"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_model_fallbacks_total", Help: "Answers given by the fallback (offline) model, by whether a stream was interrupted.",
		}, []string{"stream_interrupted"}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faro_websocket_connections", Help: "Websocket connections open now.",
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_channel_deliveries_total", Help: "Messages sent out to a channel, by channel and outcome (ok, failed).",
		}, []string{"channel", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_channel_delivery_failures_total",
			Help: "Reply parts given up, by channel and reason (permanent: the platform refused it; attempts: retries ran out; platform: a status callback said failed).",
		}, []string{"channel", "reason"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_channel_delivery_retries_total", Help: "Reply parts to be tried again, by channel and reason (retry_after: the platform said when; transient).",
		}, []string{"channel", "reason"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faro_http_requests_total", Help: "HTTP requests, by route pattern and status code.",
		}, []string{"route", "code"}),
		httpSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "faro_http_request_duration_seconds", Help: "HTTP request time to the end of the response, by route pattern.", Buckets: turnBuckets,
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.turns, m.turnSeconds, m.toolCalls, m.toolSeconds, m.modelErrors, m.fallbacks,
		m.websockets, m.deliveries, m.failures, m.retries, m.httpRequests, m.httpSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the series are on, for a component that brings
// series of its own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the series in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveTurn counts a turn; it is agent.Options.OnTurnFunc.
func (m *Metrics) ObserveTurn(e agent.TurnEvent) {
	if m == nil {
		return
	}
	ch := e.Channel
	if ch == "" {
		ch = "unknown"
	}
	m.turns.WithLabelValues(ch, string(e.Outcome)).Inc()
	m.turnSeconds.WithLabelValues(ch).Observe(e.Duration.Seconds())
}

// ObserveToolCall counts a tool call; it is agent.Options.OnToolCallFunc.
func (m *Metrics) ObserveToolCall(e agent.ToolCallEvent) {
	if m == nil {
		return
	}
	m.toolCalls.WithLabelValues(e.Tool, string(e.Status)).Inc()
	m.toolSeconds.WithLabelValues(e.Tool).Observe(e.Duration.Seconds())
}

// ObserveFallback counts an answer from the fallback model; it is
// agent.Options.OnFallbackFunc.
func (m *Metrics) ObserveFallback(e agent.FallbackEvent) {
	if m == nil {
		return
	}
	m.fallbacks.WithLabelValues(strconv.FormatBool(e.StreamInterrupted)).Inc()
}

// ModelError counts a failed call to the provider (before any fallback).
func (m *Metrics) ModelError(provider string) {
	if m == nil {
		return
	}
	m.modelErrors.WithLabelValues(provider).Inc()
}

// WebsocketOpened counts a websocket connection as open.
func (m *Metrics) WebsocketOpened() {
	if m != nil {
		m.websockets.Inc()
	}
}

// WebsocketClosed counts a websocket connection as closed.
func (m *Metrics) WebsocketClosed() {
	if m != nil {
		m.websockets.Dec()
	}
}

// Delivery counts one message sent out on channel; err nil is a success.
func (m *Metrics) Delivery(channel string, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	m.deliveries.WithLabelValues(channel, outcome).Inc()
}

// ObserveDelivery counts one delivery attempt of the channel runtime; it
// is relay.Options.OnDeliveryFunc. A part sent or given up counts in
// faro_channel_deliveries_total (ok, failed); a part given up also in
// faro_channel_delivery_failures_total by reason, and one to be retried
// in faro_channel_delivery_retries_total.
func (m *Metrics) ObserveDelivery(e relay.DeliveryEvent) {
	if m == nil {
		return
	}
	switch e.Status {
	case store.DeliverySent:
		m.deliveries.WithLabelValues(e.Channel, "ok").Inc()
	case store.DeliveryFailed:
		m.deliveries.WithLabelValues(e.Channel, "failed").Inc()
		m.failures.WithLabelValues(e.Channel, e.Reason).Inc()
	default:
		m.retries.WithLabelValues(e.Channel, e.Reason).Inc()
	}
}

func (m *Metrics) observeHTTP(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.httpSeconds.WithLabelValues(route).Observe(d.Seconds())
}
