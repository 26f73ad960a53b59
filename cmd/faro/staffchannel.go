package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/faroai/faro/staffchat"
	"github.com/faroai/faro/store"
)

// The staff channel (FARO_STAFF_CHANNEL=slack:C0123ABCD): where staff
// follow the conversations handed to a person, reply to them and hand
// them back to the bot (package staffchat). The platform must be one of
// the messaging channels that is on and can host it.

// staffPlatforms are the channels whose adapter is a staffchat.Platform.
var staffPlatforms = []string{"slack", "mattermost"}

func staffChannelSettings() []setting {
	return []setting{
		{"FARO_STAFF_CHANNEL", func(c *Config, v string) error { c.StaffChannel = strings.TrimSpace(v); return nil }},
	}
}

// staffChannelOn is the staff channel's id when it is on platform.
func (c Config) staffChannelOn(platform string) string {
	if p, channel := c.staffChannelParts(); c.StaffChannel != "" && p == platform {
		return channel
	}
	return ""
}

// staffChannelParts splits StaffChannel into its platform and channel id.
func (c Config) staffChannelParts() (platform, channel string) {
	platform, channel, _ = strings.Cut(c.StaffChannel, ":")
	return strings.ToLower(strings.TrimSpace(platform)), strings.TrimSpace(channel)
}

// validateStaffChannel checks FARO_STAFF_CHANNEL: a known platform that is
// on, a channel id, and someone in FARO_STAFF on that platform.
func (c Config) validateStaffChannel() error {
	if c.StaffChannel == "" {
		return nil
	}
	platform, channel := c.staffChannelParts()
	switch {
	case !slices.Contains(staffPlatforms, platform) || channel == "":
		return &configError{"FARO_STAFF_CHANNEL", fmt.Errorf("%q is not platform:channel with a platform among %s (e.g. slack:C0123ABCD)",
			c.StaffChannel, strings.Join(staffPlatforms, ", "))}
	case strings.ContainsAny(channel, " \t\r\n,"):
		return &configError{"FARO_STAFF_CHANNEL", fmt.Errorf("channel id %q has a space or a comma", channel)}
	}
	for _, ch := range messagingChannels() {
		if ch.name == platform && !ch.on(c) {
			return &configError{"FARO_STAFF_CHANNEL", fmt.Errorf("%s is not configured: the staff channel needs its settings", platform)}
		}
	}
	ids, err := c.staffIdentities()
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ids, func(id store.Identity) bool { return id.Channel == platform }) {
		return &configError{"FARO_STAFF_CHANNEL", fmt.Errorf("nobody in FARO_STAFF is on %s (add %s:<member ID>)", platform, platform)}
	}
	return nil
}

// staffChannel builds the staff channel when name is its platform: ok
// tells it did, and its Run then follows the hand-offs.
func (m *Main) staffChannel(name string, p staffchat.Platform) (*staffchat.Service, bool, error) {
	platform, channel := m.Config.staffChannelParts()
	if m.Config.StaffChannel == "" || platform != name {
		return nil, false, nil
	}
	if p == nil {
		return nil, false, &configError{"FARO_STAFF_CHANNEL", errors.New(name + " cannot host the staff channel")}
	}
	ids, err := m.Config.staffIdentities()
	if err != nil {
		return nil, false, err
	}
	sc, err := staffchat.New(staffchat.Options{
		Desk: m.Handoff, Store: m.Store, Platform: p, Channel: channel, Logger: m.Log,
		IsStaff: func(id store.Identity) bool { return slices.Contains(ids, id) },
	})
	if err != nil {
		return nil, false, &configError{"FARO_STAFF_CHANNEL", err}
	}
	m.Log.Info("staff channel on", "platform", name, "channel", channel)
	return sc, true, nil
}
