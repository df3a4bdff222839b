package cache

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
)

// Tests that need a second process re-run this test binary with
// helperModeEnv set; TestMain then runs the helper instead of the tests.
const (
	helperModeEnv = "BOSUN_CACHE_TEST_HELPER"
	helperPathEnv = "BOSUN_CACHE_TEST_PATH"
	helperNameEnv = "BOSUN_CACHE_TEST_NAME"
)

// helperDeadline bounds every wait on a helper process.
const helperDeadline = 2 * time.Minute

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperModeEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	code := m.Run()
	removeBenchFixture()
	os.Exit(code)
}

func runHelper(mode string) int {
	path := os.Getenv(helperPathEnv)
	var err error
	switch mode {
	case "writer":
		err = helperWriter(path, os.Getenv(helperNameEnv))
	case "crash":
		err = helperCrash(path)
	case "first-open":
		err = helperFirstOpen(path, os.Getenv(helperNameEnv))
	case "listing":
		err = helperListing(path)
	case "rss":
		err = helperRSS(path)
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// helperProc is a running helper process and the lines it prints.
type helperProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr bytes.Buffer
}

func startHelper(t testing.TB, mode, path string, extraEnv ...string) *helperProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperPathEnv+"="+path)
	cmd.Env = append(cmd.Env, extraEnv...)
	h := &helperProc{cmd: cmd, lines: make(chan string, 64)}
	cmd.Stderr = &h.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if h.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return h
}

// next is the next line the helper prints.
func (h *helperProc) next(t testing.TB) string {
	t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok {
			err := h.cmd.Wait()
			t.Fatalf("helper ended (%v) before printing; stderr: %s", err, h.stderr.String())
		}
		return line
	case <-time.After(helperDeadline):
		t.Fatalf("helper printed nothing for %v; stderr: %s", helperDeadline, h.stderr.String())
	}
	return ""
}

// expect waits for the helper to print want.
func (h *helperProc) expect(t testing.TB, want string) {
	t.Helper()
	if got := h.next(t); got != want {
		t.Fatalf("helper printed %q, want %q; stderr: %s", got, want, h.stderr.String())
	}
}

// wait waits for the helper to exit successfully.
func (h *helperProc) wait(t testing.TB) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("helper failed: %v; stderr: %s", err, h.stderr.String())
		}
	case <-time.After(helperDeadline):
		t.Fatalf("helper still running after %v", helperDeadline)
	}
}

// markedInstances is a deployment's n instances carrying marker in their
// VM type, so a reader can tell which write a row came from.
func markedInstances(deployment, marker string, n int) []bosh.Instance {
	insts := make([]bosh.Instance, n)
	for i := range insts {
		insts[i] = realisticInstance(deployment, "worker", i)
		insts[i].VMType = marker
	}
	return insts
}

// singleMarker is the one marker all insts carry, or an error.
func singleMarker(insts []bosh.Instance) (string, error) {
	if len(insts) == 0 {
		return "", fmt.Errorf("no instances")
	}
	m := insts[0].VMType
	for _, in := range insts {
		if in.VMType != m || in.Deployment != insts[0].Deployment {
			return "", fmt.Errorf("snapshot mixes writes %q and %q", m, in.VMType)
		}
	}
	return m, nil
}

// readLineFromStdin blocks until the parent test writes a line.
func readLineFromStdin() (string, error) {
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	return strings.TrimSpace(line), err
}
