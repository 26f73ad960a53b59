package offline

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A table row is quoted with its header's names, so that alone it still
// says which value is whose; an empty cell is left out, and a row with no
// header of its width is its cells in order.
func TestTableRowText(t *testing.T) {
	head := tableCells("| | Starter | Growth | Scale |")
	assert.Equal(t, "Contacts — Starter: 2,000; Growth: 10,000; Scale: 50,000",
		tableRowText(tableCells("| Contacts | 2,000 | 10,000 | 50,000 |"), head))
	assert.Equal(t, "WhatsApp Business numbers — Growth: 1; Scale: 3",
		tableRowText(tableCells("|  WhatsApp Business numbers | — | 1 |  3 |"), head))
	assert.Equal(t, "Contacts — 2,000 — 10,000",
		tableRowText(tableCells("| Contacts | 2,000 | 10,000 |"), head))
	assert.Equal(t, "a — b", tableRowText(tableCells("| a | b |"), nil))
}
