// Package scenarios is the scenario library built into omnisim: the files
// 'omnisim run' plays when given no path, some of which 'omnisim init'
// writes as a starter set.
package scenarios

import "embed"

// Library holds the built-in scenarios: *.toml, and load/*.toml for the
// long-running load scenario.
//
//go:embed *.toml load/*.toml
var Library embed.FS

// Starter names the library files 'omnisim init' writes, in order: a
// WhatsApp window scenario, a routing scenario with groups, and a traffic
// scenario.
var Starter = []string{"whatsapp-window.toml", "douyin-region-priority.toml", "traffic-day.toml"}
