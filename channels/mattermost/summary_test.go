package mattermost

import (
	"flag"
	"testing"

	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/staffchat/staffchattest"
)

var update = flag.Bool("update", false, "write the summary golden files")

// TestSummaryText pins the staff summary, byte for byte, to the golden
// files in testdata/summary: markup, escaping, the cut of long lines and
// (Discord) the oldest lines dropped to fit one message.
func TestSummaryText(t *testing.T) {
	a := &Adapter{}
	a.bot.Store(&mmapi.User{Username: "faro"})
	staffchattest.Golden(t, a.summaryText, *update)
}
