// Package scenario reads, checks and writes omnisim scenario files: TOML
// documents that script customers, agents, generated traffic and the
// expectations a run must meet. The format is documented in
// docs/scenarios.md.
//
// [Parse] (and [Load], which reads from an fs.FS) works in stages:
//
//  1. TOML syntax, with BurntSushi/toml;
//  2. the shape of the document, on the generic TOML tree: unknown keys
//     (also keys that match a field only when case is ignored, which the
//     decoder would otherwise accept), wrong types and malformed values
//     such as durations, sizes, rates, ranges and distributions;
//  3. decoding into [Scenario];
//  4. defaults (see docs/scenarios.md);
//  5. validation: references between agents, groups and customers,
//     duplicate names, ranges, enumerated values and the combinations of
//     keys steps and expectations allow.
//
// Every problem found is reported, not only the first: the error is an
// [ErrorList] whose entries carry the file, the 1-based line and byte
// column of the offending key or value, the field path ("steps[3].agent")
// and, where one helps, a hint such as the nearest valid name. Validation
// errors about a table with an unknown key are left out, since the
// misspelt key usually explains them. Syntax errors stop at stage 1; wrong
// types, bad values and keys that differ from a known key only in case
// stop after stage 2.
//
// [Scenario.Encode] writes a scenario back as TOML with its defaults
// spelled out; parsing the result gives an equal scenario.
package scenario
