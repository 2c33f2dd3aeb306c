package watch

import "strings"

// IgnoredName reports whether a file or directory name is never a change
// worth a run: editors' temporary, swap, backup and lock files, and hidden
// files and directories (.git, .idea, .DS_Store, vim's .a.toml.swp,
// emacs's .#a.toml lock).
//
// The rules, on the last element of a path:
//
//	.*                 hidden: .git, .vscode, .a.toml.swp, .#a.toml
//	*~                 backups: a.toml~ (vim, emacs, gedit)
//	#*#                emacs auto-save: #a.toml#
//	*.swp *.swo *.swn *.swx   vim swap files and vim's swap-file probe
//	4913               vim's probe that the directory is writable
//	*.tmp              temporary files (many editors and tools)
//	*___jb_tmp___ *___jb_old___   JetBrains IDEs' safe-write files
func IgnoredName(name string) bool {
	switch {
	case name == "" || name == "." || name == "..":
		return false
	case strings.HasPrefix(name, "."):
		return true
	case strings.HasSuffix(name, "~"):
		return true
	case len(name) >= 2 && strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"):
		return true
	case name == "4913":
		return true
	}
	for _, suffix := range []string{".swp", ".swo", ".swn", ".swx", ".tmp", "___jb_tmp___", "___jb_old___"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}
