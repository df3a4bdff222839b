package tui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// clock is a settable, goroutine-safe clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeDirector answers from fixed data and counts calls. A gate, when set,
// holds a call until the test closes or feeds it.
type fakeDirector struct {
	mu      sync.Mutex
	info    bosh.Info
	deps    []bosh.Deployment
	insts   map[string][]bosh.Instance
	err     error
	calls   map[string]int
	gate    chan struct{}
	entered chan string
	// detailsGate holds InstanceDetails only.
	detailsGate chan struct{}
}

func newFakeDirector(deps []bosh.Deployment, insts map[string][]bosh.Instance) *fakeDirector {
	return &fakeDirector{info: bosh.Info{Name: "bosh-lite", UUID: "uuid-1", Version: "280.0.14", User: "admin"},
		deps: deps, insts: insts, calls: map[string]int{}}
}

func (f *fakeDirector) enter(ctx context.Context, what string) error {
	f.mu.Lock()
	f.calls[what]++
	gate, entered, err := f.gate, f.entered, f.err
	f.mu.Unlock()
	if entered != nil {
		entered <- what
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (f *fakeDirector) count(what string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[what]
}

func (f *fakeDirector) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeDirector) Info(ctx context.Context) (bosh.Info, error) {
	if err := f.enter(ctx, "info"); err != nil {
		return bosh.Info{}, err
	}
	return f.info, nil
}

func (f *fakeDirector) Deployments(ctx context.Context) ([]bosh.Deployment, error) {
	if err := f.enter(ctx, "deployments"); err != nil {
		return nil, err
	}
	return f.deps, nil
}

func (f *fakeDirector) Instances(ctx context.Context, dep string) ([]bosh.Instance, error) {
	if err := f.enter(ctx, "instances"); err != nil {
		return nil, err
	}
	var out []bosh.Instance
	for _, in := range f.insts[dep] {
		in.ProcessState, in.Processes, in.Vitals, in.Full = "", nil, nil, false
		out = append(out, in)
	}
	return out, nil
}

func (f *fakeDirector) InstanceDetails(ctx context.Context, dep string) ([]bosh.Instance, error) {
	if err := f.enter(ctx, "details"); err != nil {
		return nil, err
	}
	if f.detailsGate != nil {
		select {
		case <-f.detailsGate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.insts[dep], nil
}

// fakeCache serves fixed rows and records writes.
type fakeCache struct {
	mu       sync.Mutex
	deps     []bosh.Deployment
	insts    []bosh.Instance
	at       time.Time
	readErr  error
	writeErr error
	saved    map[string]int // "deployments" or the deployment name → writes
	uuids    map[string]bool
}

func newFakeCache(deps []bosh.Deployment, insts map[string][]bosh.Instance, at time.Time) *fakeCache {
	c := &fakeCache{deps: deps, at: at, saved: map[string]int{}, uuids: map[string]bool{}}
	for _, d := range deps {
		c.insts = append(c.insts, insts[d.Name]...)
	}
	return c
}

func (c *fakeCache) Deployments(uuid string) ([]bosh.Deployment, time.Time, error) {
	if c.readErr != nil {
		return nil, time.Time{}, c.readErr
	}
	return c.deps, c.at, nil
}

func (c *fakeCache) KeepDeployments(uuid string, deps []bosh.Deployment, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saved["deployments"]++
	c.uuids[uuid] = true
	return c.writeErr
}

func (c *fakeCache) Instances(uuid, dep string) ([]bosh.Instance, time.Time, error) {
	return nil, time.Time{}, errors.New("not cached")
}

func (c *fakeCache) KeepInstances(uuid, dep string, insts []bosh.Instance, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saved[dep]++
	c.uuids[uuid] = true
	return c.writeErr
}

func (c *fakeCache) AllInstances(uuid string) ([]bosh.Instance, time.Time, error) {
	if c.readErr != nil {
		return nil, time.Time{}, c.readErr
	}
	return c.insts, c.at, nil
}

func (c *fakeCache) writes(what string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saved[what]
}

// fixture builds n deployments of per instances with varied states.
func fixture(n, per int) ([]bosh.Deployment, map[string][]bosh.Instance) {
	states := []string{bosh.StateRunning, bosh.StateRunning, bosh.StateFailing, bosh.StateRunning,
		bosh.StateUnresponsive, bosh.StateRunning, bosh.StateStopped}
	groups := []string{"router", "api", "diego-cell", "nats"}
	var deps []bosh.Deployment
	insts := map[string][]bosh.Instance{}
	for d := range n {
		name := fmt.Sprintf("cf-%02d", d)
		deps = append(deps, bosh.Deployment{Name: name, Releases: []string{"capi/1.2", "diego/2.3"},
			Stemcells: []string{"ubuntu-jammy/1.423"}, Teams: []string{"ops"}})
		for i := range per {
			g := groups[i%len(groups)]
			id := fmt.Sprintf("%02d%06d-1111-2222-3333-444455556666", d, i)
			insts[name] = append(insts[name], bosh.Instance{
				Deployment: name, Group: g, ID: id, Name: g + "/" + id, Index: i / len(groups),
				ProcessState: states[(d+i)%len(states)], AZ: fmt.Sprintf("z%d", 1+i%3),
				IPs: []string{fmt.Sprintf("10.0.%d.%d", d%256, 10+i%200)}, VMCID: fmt.Sprintf("vm-%d-%d", d, i),
				VMType: "small", Full: true,
				Vitals: &bosh.Vitals{Load: [3]float64{0.5 + float64(i%5)/10, 0.4, 0.3},
					CPU: bosh.CPU{User: float64(i % 40), Sys: 2}, Mem: bosh.Mem{KB: 2048000, Percent: float64(20 + i%75)},
					System: &bosh.Usage{Percent: 40}, Ephemeral: &bosh.Usage{Percent: float64(10 + i%85)}, UptimeSecs: 90000},
				Processes: []bosh.Process{{Name: g, State: states[(d+i)%len(states)], UptimeSecs: 3700, MemKB: 524288, MemPercent: 12.5, CPUTotal: 3.5},
					{Name: "bpm", State: bosh.StateRunning, UptimeSecs: 86500, MemKB: 10240, MemPercent: 0.2, CPUTotal: 0.1}},
			})
		}
	}
	return deps, insts
}

// scheduled is what the test scheduler returns instead of sleeping: the
// message a timer would have delivered.
type scheduled struct {
	after time.Duration
	msg   tea.Msg
}

// harness drives a Model the way the program does, minus the terminal:
// commands run in goroutines and their messages come back through inbox;
// timers are recorded instead of slept on, and quitting is recorded.
type harness struct {
	t       testing.TB
	m       *Model
	clock   *clock
	inbox   chan tea.Msg
	pending int // commands started whose message has not been delivered
	timers  []scheduled
	quit    bool
}

func newHarness(t testing.TB, o Options, w, h int) *harness {
	t.Helper()
	ck := &clock{now: t0}
	if o.Now == nil {
		o.Now = ck.Now
	}
	o.NoColor = true
	wireFakes(&o)
	m := newModel(o)
	m.c.schedule = func(d time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg { return scheduled{after: d, msg: msg} }
	}
	hs := &harness{t: t, m: m, clock: ck, inbox: make(chan tea.Msg, 1024)}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// start runs Init and waits until everything it leads to has settled.
func (h *harness) start() *harness {
	h.run(h.m.Init())
	h.settle()
	return h
}

// send delivers one message and waits for what follows from it to settle.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	h.post(msg)
	h.settle()
}

// post delivers one message and starts its commands without waiting.
func (h *harness) post(msg tea.Msg) {
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// keys sends key presses: single runes, or names like "enter", "esc".
func (h *harness) keys(names ...string) {
	h.t.Helper()
	for _, n := range names {
		h.send(keyMsg(n))
	}
}

// typeText sends each rune of s as a key press.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// run starts cmd in a goroutine, as the program does.
func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	h.pending++
	go func() { h.inbox <- cmd() }()
}

// deliver handles one finished command's message.
func (h *harness) deliver(msg tea.Msg) {
	h.pending--
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case scheduled:
		h.timers = append(h.timers, msg)
	case tea.QuitMsg:
		h.quit = true
	default:
		h.post(msg)
	}
}

// settle delivers messages until no command is left running.
func (h *harness) settle() {
	h.t.Helper()
	h.await("commands to settle", func() bool { return h.pending == 0 })
}

// await delivers messages until cond holds. The deadline only turns a hang
// into a failure; the condition is what the test waits on.
func (h *harness) await(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case msg := <-h.inbox:
			h.deliver(msg)
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// fire delivers the recorded timers whose message matches keep, once each.
func (h *harness) fire(keep func(tea.Msg) bool) int {
	h.t.Helper()
	var due, rest []scheduled
	for _, s := range h.timers {
		if keep(s.msg) {
			due = append(due, s)
		} else {
			rest = append(rest, s)
		}
	}
	h.timers = rest
	for _, s := range due {
		h.send(s.msg)
	}
	return len(due)
}

func keyMsg(name string) tea.KeyMsg {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
		"home": tea.KeyHome, "end": tea.KeyEnd, "ctrl+c": tea.KeyCtrlC, "ctrl+l": tea.KeyCtrlL,
		"ctrl+u": tea.KeyCtrlU, "ctrl+w": tea.KeyCtrlW, " ": tea.KeySpace,
	}
	if k, ok := named[name]; ok {
		return tea.KeyMsg{Type: k}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

var ansiRe = regexp.MustCompile("\x1b\\[[0-9;?]*[a-zA-Z]")

// view renders the model with escape sequences removed and trailing blanks
// trimmed from each line.
func (h *harness) view() string {
	lines := strings.Split(ansiRe.ReplaceAllString(h.m.View(), ""), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// line returns line i of the view.
func (h *harness) line(i int) string {
	return strings.Split(h.view(), "\n")[i]
}

func (h *harness) top() screen { return h.m.top() }
