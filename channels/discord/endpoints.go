package discord

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// endpointsMu serialises useAPI. discordgo v0.28.1 has no per-session
// base URL: every REST call and the gateway lookup read package variables
// (EndpointAPI and those computed from it at init). Pointing the client at
// another server (a local one in tests, a proxy) therefore means setting
// that package state, which this mutex guards: it is set once per process,
// before any session runs, and a second adapter must agree with the first.
var endpointsMu sync.Mutex

// defaultEndpointAPI is EndpointAPI as discordgo v0.28.1 starts (API v9).
const defaultEndpointAPI = "https://discord.com/api/v9/"

var versioned = regexp.MustCompile(`/v[0-9]+/?$`)

// APIBase is the versioned REST base for a configured API URL ("" is
// DefaultAPIURL): https://discord.com/api → https://discord.com/api/v9/.
// A URL that already ends in /v<n> is kept.
func APIBase(apiURL string) (string, error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("discord: API URL %q is not an http(s) URL like %s", apiURL, DefaultAPIURL)
	}
	base := strings.TrimSuffix(apiURL, "/")
	if !versioned.MatchString(base) {
		base += "/v" + discordgo.APIVersion
	}
	return base + "/", nil
}

// useAPI points discordgo at base (from APIBase). It is a no-op when
// discordgo already uses base, and an error when another adapter of this
// process pointed it elsewhere.
func useAPI(base string) error {
	endpointsMu.Lock()
	defer endpointsMu.Unlock()
	switch discordgo.EndpointAPI {
	case base:
		return nil
	case defaultEndpointAPI:
	default:
		return fmt.Errorf("discord: this process already talks to %s; discordgo allows one Discord API per process", discordgo.EndpointAPI)
	}
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("discord: API URL %q: %w", base, err)
	}
	api := base
	discordgo.EndpointDiscord = u.Scheme + "://" + u.Host + "/"
	discordgo.EndpointAPI = api
	discordgo.EndpointGuilds = api + "guilds/"
	discordgo.EndpointChannels = api + "channels/"
	discordgo.EndpointUsers = api + "users/"
	discordgo.EndpointGateway = api + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = api + "webhooks/"
	discordgo.EndpointStickers = api + "stickers/"
	discordgo.EndpointStageInstances = api + "stage-instances"
	discordgo.EndpointVoice = api + "/voice/"
	discordgo.EndpointVoiceRegions = discordgo.EndpointVoice + "regions"
	discordgo.EndpointGuildCreate = api + "guilds"
	discordgo.EndpointNitroStickersPacks = api + "/sticker-packs"
	discordgo.EndpointApplications = api + "applications"
	discordgo.EndpointOAuth2 = api + "oauth2/"
	discordgo.EndpointOAuth2Applications = discordgo.EndpointOAuth2 + "applications"
	discordgo.EndpointOauth2 = discordgo.EndpointOAuth2
	discordgo.EndpointOauth2Applications = discordgo.EndpointOAuth2Applications
	return nil
}
