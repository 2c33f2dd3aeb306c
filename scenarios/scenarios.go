// Package scenarios is the scenario library built into omnisim: the files
// 'omnisim run' plays when given no path, and the starter set 'omnisim init'
// writes.
package scenarios

import "embed"

// Library holds the built-in scenarios: *.toml, and load/*.toml for the
// long-running load scenario.
//
//go:embed *.toml load/*.toml
var Library embed.FS

// Starter holds the files 'omnisim init' writes, under starter/.
//
//go:embed starter/*.toml
var Starter embed.FS
