package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
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

	"github.com/omnisim/omnisim/fakes/whatsapp"
	"github.com/omnisim/omnisim/serve"
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

// servedProcess is an omnisim serve process a test started (startServe).
type servedProcess struct {
	cmd         *exec.Cmd
	out, errOut syncBuffer
	urls        serve.URLs    // from its ready file
	done        chan struct{} // closed once the process has ended
	err         error         // cmd.Wait's answer, once done is closed
}

// startServe starts the omnisim binary testscript.Main installed as
// "omnisim serve -ready-file FILE args...", waits for the ready file and
// reads the URLs in it. The process is killed when the test ends, if it is
// still running. The test is skipped when the binary is not in PATH.
func startServe(t *testing.T, args ...string) *servedProcess {
	t.Helper()
	bin, err := exec.LookPath("omnisim")
	if err != nil {
		t.Skip("omnisim is not in PATH: ", err)
	}
	ready := filepath.Join(t.TempDir(), "ready.json")
	p := &servedProcess{cmd: exec.Command(bin, append([]string{"serve", "-ready-file", ready}, args...)...)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errOut
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill() //nolint:errcheck // gone already when the test passes
		<-p.done
	})
	p.waitFor(t, "ready file", func() bool { _, err := os.Stat(ready); return err == nil })
	b, err := os.ReadFile(ready)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &p.urls); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return p
}

// wait waits for the process to end, for at most scriptWait, and returns
// how it ended (nil: exit status 0).
func (p *servedProcess) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(scriptWait):
		t.Fatalf("serve still running after %v\n%s%s", scriptWait, p.out.String(), p.errOut.String())
		return nil
	}
}

// waitFor waits for cond for at most scriptWait, and fails the test with
// what it waited for and the process's output when it does not come.
func (p *servedProcess) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(scriptWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v\n%s%s", what, scriptWait, p.out.String(), p.errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeSecondInterrupt checks that a second SIGINT during the graceful
// stop stops serve at once instead of waiting out the grace period for a
// request that hangs (a reset whose webhook handshake the app never
// answers).
func TestServeSecondInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to another process on Windows")
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

	p := startServe(t, "-speed", "0", "-webhook", "whatsapp="+app.URL)
	go func() {
		resp, err := http.Post(p.urls.Control+"/reset", "", nil)
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

	begin := time.Now()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, `"stopping"`, func() bool { return strings.Contains(p.out.String(), "omnisim serve: stopping") })
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := p.wait(t)
	// Without the second interrupt, the stop would wait for the hung
	// request for the whole grace period, which starts after the first.
	if took := time.Since(begin); took >= shutdownGrace {
		t.Errorf("serve took %v to stop after the first interrupt (the grace period is %v)", took, shutdownGrace)
	}
	if err != nil {
		t.Errorf("serve: %v\n%s%s", err, p.out.String(), p.errOut.String())
	}
	if !strings.Contains(p.errOut.String(), "interrupted again") {
		t.Errorf("stderr:\n%s", p.errOut.String())
	}
}

// TestServeMaxMemory checks that serve stops once the process holds more
// memory than -max-memory, with exit status 1 and the reason: here the
// least budget, 64MB, and a 62 MiB file uploaded to the WhatsApp fake,
// which keeps up to 64 MiB of uploads to serve back (but no bytes of a
// file of zeros).
func TestServeMaxMemory(t *testing.T) {
	p := startServe(t, "-speed", "0", "-max-memory", "64MB")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("messaging_product", "whatsapp") //nolint:errcheck // a bytes.Buffer takes every write
	mw.WriteField("type", "application/pdf")       //nolint:errcheck // as above
	fw, err := mw.CreateFormFile("file", "big.pdf")
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("%PDF"), 1<<18) // 1 MiB
	for range 62 {
		fw.Write(chunk) //nolint:errcheck // as above
	}
	mw.Close()
	req, err := http.NewRequest("POST", p.urls.Platforms["whatsapp"]["api"]+"/v21.0/"+whatsapp.DefaultPhoneNumberID+"/media", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+whatsapp.DefaultAccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("upload: %v\n%s%s", err, p.out.String(), p.errOut.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s\n%s%s", resp.Status, p.out.String(), p.errOut.String())
	}

	var ee *exec.ExitError
	if err := p.wait(t); !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
		t.Errorf("serve: %v, want exit status %d", err, exitFailed)
	}
	if want := "omnisim serve: stopped: its memory passed 64MB (-max-memory); reset the world between tests"; !strings.Contains(p.errOut.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, p.errOut.String())
	}
	if !strings.Contains(p.out.String(), "omnisim serve: stopping") {
		t.Errorf("stdout:\n%s", p.out.String())
	}
}
