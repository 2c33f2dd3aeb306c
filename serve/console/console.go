// Package console is the web console of `omnisim serve`: one page of plain
// HTML, CSS and JavaScript, embedded in the binary, that shows the message
// center, an agent's seat, each customer's phone, the clock with the
// router's next timers, and the live service figures. It needs no build
// step and no network beyond the server itself.
//
// The page reads and changes everything through the control API under
// /_omnisim/ (the router's own inbox API behind it), so a scenario file and
// the page see the same state, and it follows the world through the
// server-sent events of GET /_omnisim/stream, fetching again what changed.
// When the stream drops (the server restarts), the browser reconnects on
// its own and the page fetches everything anew.
package console

import (
	"embed"
	"net/http"
)

//go:embed index.html console.css console.js
var files embed.FS

// paths are the console's own paths, each with its file.
var paths = map[string]string{
	"/":            "index.html",
	"/index.html":  "index.html",
	"/console.css": "console.css",
	"/console.js":  "console.js",
}

// Serves reports whether path is one of the console's.
func Serves(path string) bool {
	_, ok := paths[path]
	return ok
}

// Handler serves the console's files: GET and HEAD of its paths.
var Handler http.Handler = http.HandlerFunc(serveFile)

func serveFile(w http.ResponseWriter, r *http.Request) {
	name, ok := paths[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, r.Method+" "+r.URL.Path+": method not allowed (allowed: GET, HEAD)", http.StatusMethodNotAllowed)
		return
	}
	// no-cache: a browser checks again after a server upgrade, and the
	// files are small.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'")
	http.ServeFileFS(w, r, files, name)
}
