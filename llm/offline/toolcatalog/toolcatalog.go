// Package toolcatalog makes the tool registry a catalogue for the offline
// model: the model routes messages by each tool's example requests and
// fills arguments by its ordered schema, which only the registry knows.
//
// It is a package of its own because package offline cannot import package
// tools: tools imports knowledge, and the knowledge tests import offline
// for its embedder.
package toolcatalog

import (
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/tools"
)

// Catalog is an [offline.ToolCatalog] over a tool registry. It reads the
// registry on every call, so tools added later are seen.
type Catalog struct {
	reg *tools.Registry
}

// Interface guard.
var _ offline.ToolCatalog = Catalog{}

// New returns the catalogue of reg.
func New(reg *tools.Registry) Catalog {
	return Catalog{reg: reg}
}

// Tool implements [offline.ToolCatalog]: the tool's description, examples
// and argument schema; ok is false for a tool the registry does not have.
func (c Catalog) Tool(name string) (offline.ToolInfo, bool) {
	if c.reg == nil {
		return offline.ToolInfo{}, false
	}
	spec, ok := c.reg.Spec(name)
	if !ok {
		return offline.ToolInfo{}, false
	}
	info := offline.ToolInfo{Description: spec.Description, Mutating: spec.Mutating}
	for _, e := range spec.Examples {
		info.Examples = append(info.Examples, offline.Example{Lang: e.Lang, Text: e.Text})
	}
	info.Schema, _ = c.reg.Schema(name) // exists: Spec found it
	return info, true
}
