package business_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/catalog"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

func TestCatalogueChangesSQLite(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	testCatalogueChanges(t, db)
}

// TestCatalogueChangesPostgres fails rather than skips when no PostgreSQL
// can be started: the backend must be tested.
func TestCatalogueChangesPostgres(t *testing.T) {
	t.Parallel()
	url, stop, err := pgtest.Start(t.Context())
	require.NoError(t, err)
	t.Cleanup(stop)
	db, err := postgres.Open(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	testCatalogueChanges(t, db)
}

// countingStore counts the catalogue reads of a real store.
type countingStore struct {
	store.Store
	reads atomic.Int32
}

func (c *countingStore) ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error) {
	c.reads.Add(1)
	return c.Store.ListCourses(ctx, f)
}

// testCatalogueChanges runs one engine over st while the business changes
// its catalogue: a course stored under a slug and title the demo never had
// is enrolled in by its exact name once the vocabulary's last read is
// older than its MaxAge, and after a rename its old title no longer picks
// it while the new one does. Messages within MaxAge share one read.
// putDemoCatalogue stores the demo's courses.
func putDemoCatalogue(t *testing.T, st store.Store) {
	t.Helper()
	courses, err := catalog.Parse(demo.Catalog)
	require.NoError(t, err)
	for _, c := range courses {
		_, err := st.PutCourse(t.Context(), c)
		require.NoError(t, err)
	}
}

func testCatalogueChanges(t *testing.T, st store.Store) {
	ctx := t.Context()
	putDemoCatalogue(t, st)
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(t, err)
	reg, err := tools.NewDefault(st, knowledge.New(st, emb, emb.Name(), nil), tools.DefaultConfig(), nil)
	require.NoError(t, err)
	counted := &countingStore{Store: st}
	now := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
	later := func() { now = now.Add(business.DefaultMaxAge) }
	m := business.NewModel(counted, reg, business.Options{Vocabulary: business.VocabularyOptions{Clock: func() time.Time { return now }}})
	defs := llms.WithTools(reg.Definitions(store.RoleProspect))

	// enrolledIn is the course of the enroll_course call the engine makes
	// for text, or "" when it makes none.
	enrolledIn := func(text string) string {
		t.Helper()
		resp, err := m.GenerateContent(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, text)}, defs)
		require.NoError(t, err)
		for _, c := range resp.Choices[0].ToolCalls {
			if c.FunctionCall.Name == "enroll_course" {
				var args struct {
					Course string `json:"course"`
				}
				require.NoError(t, json.Unmarshal([]byte(c.FunctionCall.Arguments), &args))
				return args.Course
			}
		}
		return ""
	}
	const (
		slug     = "taller-t7"
		oldTitle = "Cerámica cuántica para drones"
		newTitle = "Alfarería orbital para robots"
	)
	ask := func(title string) string {
		return "quiero inscribirme en el curso " + title + ", soy Ana López, ana.lopez@example.com"
	}
	// The engine is built before the course exists, and asked first.
	require.NotEqual(t, slug, enrolledIn(ask(oldTitle)))
	require.Equal(t, "ia-marketing", enrolledIn(ask("IA para marketing")), "the demo catalogue is named")
	require.EqualValues(t, 1, counted.reads.Load(), "calls within MaxAge share a read")

	course := store.Course{
		Slug: slug, Title: store.Localized{ES: oldTitle, EN: "Quantum Ceramics for Drones"},
		Language: "es", Topics: []string{"impresion-3d"}, Price: store.Money{Amount: 0, Currency: "USD"}, Seats: 10,
		Start: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), Status: store.CourseOpen,
	}
	_, err = st.PutCourse(ctx, course)
	require.NoError(t, err)
	require.NotEqual(t, slug, enrolledIn(ask(oldTitle)), "within MaxAge the last read stands")
	later()
	require.Equal(t, slug, enrolledIn(ask(oldTitle)), "a course added to the store is named once MaxAge has passed")
	require.EqualValues(t, 2, counted.reads.Load())
	require.Equal(t, slug, enrolledIn("I want to enroll in Quantum Ceramics for Drones, I'm Ana López, ana.lopez@example.com"))

	course.Title = store.Localized{ES: newTitle, EN: "Orbital Pottery for Robots"}
	_, err = st.PutCourse(ctx, course)
	require.NoError(t, err)
	later()
	require.NotEqual(t, slug, enrolledIn(ask(oldTitle)), "a renamed course is no longer offered under its old title")
	require.Equal(t, slug, enrolledIn(ask(newTitle)))
	// Asked which course, the engine offers the new title, not the old.
	resp, err := m.GenerateContent(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman,
		"quiero inscribirme en un curso, soy Ana López, ana.lopez@example.com")}, defs)
	require.NoError(t, err)
	offer := resp.Choices[0].Content
	require.Empty(t, resp.Choices[0].ToolCalls, offer)
	require.Contains(t, offer, newTitle)
	require.Contains(t, offer, "IA para marketing")
	require.NotContains(t, offer, oldTitle)
}

// The vocabulary is every course of the store, in every language, topics
// written as words, whatever its status; a free course is also "free".
func TestVocabulary(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	v := business.NewVocabulary(db, business.VocabularyOptions{MaxAge: -1})
	cs, err := v.Courses(ctx)
	require.NoError(t, err)
	require.Empty(t, cs)

	_, err = db.PutCourse(ctx, store.Course{Slug: "solo-en", Title: store.Localized{EN: "English Only"},
		Topics: []string{"prompt-engineering", "ai"}, Seats: 1, Status: store.CourseClosed})
	require.NoError(t, err)
	cs, err = v.Courses(ctx)
	require.NoError(t, err)
	require.Equal(t, []offline.Named{{Slug: "solo-en", Titles: map[string]string{"en": "English Only"},
		Keywords: []string{"prompt engineering", "ai", "free"}}}, cs)
	require.Equal(t, "English Only", cs[0].Title("es"))
}

// A store that fails leaves the engine without course names, with the
// store's error said.
func TestVocabularyStoreFails(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = business.NewVocabulary(db, business.VocabularyOptions{}).Courses(context.Background())
	require.ErrorContains(t, err, "course vocabulary")
}

// BenchmarkGenerateContent is what reading the courses from the store
// costs the engine: one call deciding an enrolment in a demo course, with
// the store's vocabulary as serve builds it ("store"), reading the store on
// every call ("store-every-call") and with the same catalogue parsed once
// into memory ("memory"), on the embedded SQLite.
// The engine's own caches stay warm in both, as on a running server.
func BenchmarkGenerateContent(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "faro.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	courses, err := catalog.Parse(demo.Catalog)
	require.NoError(b, err)
	for _, c := range courses {
		_, err := db.PutCourse(ctx, c)
		require.NoError(b, err)
	}
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(b, err)
	reg, err := tools.NewDefault(db, knowledge.New(db, emb, emb.Name(), nil), tools.DefaultConfig(), nil)
	require.NoError(b, err)
	memory, err := offline.NewCatalogVocabulary(demo.Catalog)
	require.NoError(b, err)
	defs := llms.WithTools(reg.Definitions(store.RoleProspect))
	msgs := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman,
		"quiero inscribirme en IA para marketing, soy Ana López, ana.lopez@example.com")}
	for _, c := range []struct {
		name  string
		model *offline.Model
	}{
		{"store", business.NewModel(db, reg, business.Options{})},
		{"store-every-call", business.NewModel(db, reg, business.Options{Vocabulary: business.VocabularyOptions{MaxAge: -1}})},
		{"memory", offline.NewModel(offline.Options{Catalog: toolcatalog.New(reg), Vocabulary: memory})},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				resp, err := c.model.GenerateContent(ctx, msgs, defs)
				if err != nil || len(resp.Choices[0].ToolCalls) != 1 {
					b.Fatal(err, resp)
				}
			}
		})
	}
}

// A course is named by what sets it apart in the catalogue: its price of
// nothing ("no gratuito"), or a topic no other course has ("el de n8n").
// A topic two courses share names neither.
func TestEnrolByWhatSetsACourseApart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	putDemoCatalogue(t, st)
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(t, err)
	reg, err := tools.NewDefault(st, knowledge.New(st, emb, emb.Name(), nil), tools.DefaultConfig(), nil)
	require.NoError(t, err)
	m := business.NewModel(st, reg, business.Options{})
	defs := llms.WithTools(reg.Definitions(store.RoleProspect))
	for text, want := range map[string]string{
		"quero me inscrever no gratuito, sou a Bia, bia@correo.example":       "fundamentos-ia",
		"sign me up for the free one please, jo@mail.example":                 "fundamentos-ia",
		"inscríbeme en el de n8n, mi correo es leo@correo.example":            "agentes-automatizacion",
		"quiero inscribirme en el de python, mi correo es leo@correo.example": "",
	} {
		resp, err := m.GenerateContent(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, text)}, defs)
		require.NoError(t, err)
		got := ""
		for _, c := range resp.Choices[0].ToolCalls {
			var args struct {
				Course string `json:"course"`
			}
			require.NoError(t, json.Unmarshal([]byte(c.FunctionCall.Arguments), &args))
			got = args.Course
		}
		require.Equal(t, want, got, "%s: %s", text, resp.Choices[0].Content)
	}
}
