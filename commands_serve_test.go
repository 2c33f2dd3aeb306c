package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a process's output and a test's
// reads at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestServeSecondInterrupt checks that a second SIGINT during the graceful
// stop stops serve at once instead of waiting out the grace period for a
// request that hangs (a reset whose webhook handshake the app never
// answers).
func TestServeSecondInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to another process on Windows")
	}
	bin, err := exec.LookPath("omnisim") // installed by testscript.Main
	if err != nil {
		t.Skip("omnisim is not in PATH: ", err)
	}
	// The app answers the first handshake and hangs on every later request.
	hang, held := make(chan struct{}), make(chan struct{}, 1)
	var once sync.Once
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answered := false
		once.Do(func() {
			answered = true
			w.Write([]byte(r.URL.Query().Get("hub.challenge"))) //nolint:errcheck // the test fails on the handshake
		})
		if !answered {
			select {
			case held <- struct{}{}:
			default:
			}
			<-hang
		}
	}))
	defer app.Close()
	defer close(hang)

	ready := filepath.Join(t.TempDir(), "ready.json")
	cmd := exec.Command(bin, "serve", "-speed", "0", "-ready-file", ready, "-webhook", "whatsapp="+app.URL)
	var out, errOut syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck // gone already when the test passes
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(scriptWait)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within %v\n%s%s", what, scriptWait, out.String(), errOut.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("ready file", func() bool { _, err := os.Stat(ready); return err == nil })
	b, err := os.ReadFile(ready)
	if err != nil {
		t.Fatal(err)
	}
	var urls struct{ Base string }
	if err := json.Unmarshal(b, &urls); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	base := urls.Base
	go func() {
		resp, err := http.Post(base+"/_omnisim/reset", "", nil)
		if err == nil {
			resp.Body.Close()
		}
	}()
	// The reset is in its handshake once the app holds a second request.
	select {
	case <-held:
	case <-time.After(scriptWait):
		t.Fatal("the reset's handshake did not reach the app")
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitFor(`"stopping"`, func() bool { return strings.Contains(out.String(), "omnisim serve: stopping") })
	begin := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	// Without the second interrupt, the stop would wait for the hung
	// request for the whole grace period.
	if took := time.Since(begin); took >= shutdownGrace {
		t.Errorf("serve took %v to stop after the second interrupt (the grace period is %v)", took, shutdownGrace)
	}
	if err != nil {
		t.Errorf("serve: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "interrupted again") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}
