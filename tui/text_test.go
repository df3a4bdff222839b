package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
)

func TestTruncateAndFit(t *testing.T) {
	cases := []struct {
		in    string
		w     int
		right bool
		want  string
	}{
		{"cf", 5, false, "cf   "},
		{"cf", 5, true, "   cf"},
		{"service-instance_5d9f", 10, false, "service-i…"},
		{"● running", 9, false, "● running"},
		{"▲ failing", 5, false, "▲ fa…"},
		{"abc", 0, false, ""},
		{"日本語テキスト", 7, false, "日本語…"}, // wide runes count two cells
	}
	for _, c := range cases {
		got := fit(c.in, c.w, c.right)
		if got != c.want && !(c.w == 7 && textWidth(got) <= 7 && strings.HasSuffix(got, ellipsis)) {
			t.Errorf("fit(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if textWidth(got) > c.w {
			t.Errorf("fit(%q, %d) is %d cells wide", c.in, c.w, textWidth(got))
		}
	}
}

func TestDurationCountKB(t *testing.T) {
	for secs, want := range map[int64]string{0: "-", 45: "45s", 720: "12m", 3*3600 + 240: "3h4m", 12*86400 + 3*3600: "12d3h"} {
		if got := duration(secs); got != want {
			t.Errorf("duration(%d) = %q, want %q", secs, got, want)
		}
	}
	for n, want := range map[int]string{7: "7", 999: "999", 1000: "1,000", 50000: "50,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "-", 512: "512K", 3277: "3.2M", 1572864: "1.5G"} {
		if got := kb(n); got != want {
			t.Errorf("kb(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWrapAt(t *testing.T) {
	first, rest := wrapAt("director unreachable: connection refused", 25)
	if first != "director unreachable:" || rest != "connection refused" {
		t.Fatalf("wrapAt = %q | %q", first, rest)
	}
	first, rest = wrapAt("abcdefghij", 4)
	if first != "abcd" || rest != "efghij" {
		t.Fatalf("wrapAt without spaces = %q | %q", first, rest)
	}
}

func TestIPOrderIsNumeric(t *testing.T) {
	if compareIPs([]string{"10.0.0.9"}, []string{"10.0.0.10"}) >= 0 {
		t.Fatal("10.0.0.9 should sort before 10.0.0.10")
	}
	if compareIPs(nil, []string{"10.0.0.1"}) >= 0 {
		t.Fatal("no IP should sort first")
	}
	if ipv4("fd00::1") != -1 || ipv4("10.0.0") != -1 || ipv4("10.0.0.256") != -1 {
		t.Fatal("ipv4 accepted a non-IPv4 address")
	}
}

func TestStateLooks(t *testing.T) {
	cases := []struct {
		in   bosh.Instance
		want string
	}{
		{bosh.Instance{VMCID: "vm", ProcessState: bosh.StateRunning}, "● running"},
		{bosh.Instance{VMCID: "vm", ProcessState: bosh.StateFailing}, "▲ failing"},
		{bosh.Instance{VMCID: "vm", ProcessState: bosh.StateUnresponsive}, "? unresponsive"},
		{bosh.Instance{VMCID: "vm", ProcessState: bosh.StateStopped}, "■ stopped"},
		{bosh.Instance{ProcessState: bosh.StateRunning}, "○ no vm"},
		{bosh.Instance{VMCID: "vm"}, "- no details"},
		{bosh.Instance{VMCID: "vm", ProcessState: "exotic"}, "· exotic"},
	}
	for _, c := range cases {
		if got := instanceLook(&c.in).String(); got != c.want {
			t.Errorf("look(%+v) = %q, want %q", c.in, got, c.want)
		}
	}
	h := bosh.Health{Running: 12, Failing: 1, Unresponsive: 1}
	var b strings.Builder
	for _, s := range healthSpans(h, false) {
		b.WriteString(s.text)
	}
	if b.String() != "● 12 running  ▲ 1 failing  ? 1 unresponsive" {
		t.Fatalf("health summary = %q", b.String())
	}
}

func TestDirectorTroubleWords(t *testing.T) {
	cases := map[string]error{
		"unreachable":    errDown,
		"unauthorized":   &bosh.Error{Kind: bosh.KindUnauthorized},
		"director error": &bosh.Error{Kind: bosh.KindDirector, Status: 500},
	}
	for want, err := range cases {
		if got := directorTrouble(err); got != want {
			t.Errorf("directorTrouble(%v) = %q, want %q", err, got, want)
		}
	}
	if got := directorTrouble(errors.New("anything else")); got != "unreachable" {
		t.Errorf("unclassified error → %q", got)
	}
}

type staticSource struct{ rows [][]string }

func (s staticSource) Len() int                { return len(s.rows) }
func (s staticSource) Cell(i, col, _ int) cell { return cell{text: s.rows[i][col]} }

func TestTableDropsColumnsByPriorityAndRendersOnlyVisibleRows(t *testing.T) {
	st := NewStyles(true)
	cols := []column{
		{title: "NAME", min: 10, max: 30, prio: 1},
		{title: "STATE", min: 10, prio: 1},
		{title: "EXTRA", min: 20, prio: 5},
		{title: "MORE", min: 20, prio: 3},
	}
	tb := newTable(cols, &st)
	tb.SetSize(50, 6)
	if tb.widths[2] != 0 || tb.widths[3] == 0 {
		t.Fatalf("at 50 cells the prio-5 column should go first: %v", tb.widths)
	}
	tb.SetSize(25, 6)
	if tb.widths[2] != 0 || tb.widths[3] != 0 || tb.widths[0] == 0 || tb.widths[1] == 0 {
		t.Fatalf("at 25 cells only essential columns stay: %v", tb.widths)
	}
	src := staticSource{}
	for i := range 100000 {
		src.rows = append(src.rows, []string{"row", strings.Repeat("x", i%12), "e", "m"})
	}
	tb.SetLen(src.Len())
	tb.MoveTo(99999)
	lines := strings.Split(tb.View(src, "empty"), "\n")
	if len(lines) != 6 {
		t.Fatalf("view has %d lines, want 6 (title + 5 rows)", len(lines))
	}
	for _, l := range lines {
		if w := textWidthANSI(l); w > 25 {
			t.Fatalf("line %q is %d cells wide", l, w)
		}
	}
}

func TestFitCrumbsKeepsTheLastCrumb(t *testing.T) {
	crumbs := []string{"deployments", "service-instance_1d7ba15b-24e8-46dc-ad9c-553dd31b18f9", "master/88d61cef"}
	got := fitCrumbs(crumbs, 50)
	if crumbsWidth(got) > 50 || got[len(got)-1] != "master/88d61cef" {
		t.Fatalf("fitCrumbs(50) = %q", got)
	}
	got = fitCrumbs(crumbs, 25)
	if crumbsWidth(got) > 25 || got[len(got)-1] != "master/88d61cef" || got[0] != ellipsis {
		t.Fatalf("fitCrumbs(25) = %q", got)
	}
	got = fitCrumbs(crumbs, 8)
	if len(got) != 1 || textWidth(got[0]) > 8 {
		t.Fatalf("fitCrumbs(8) = %q", got)
	}
	if got := fitCrumbs(crumbs, 200); strings.Join(got, "|") != strings.Join(crumbs, "|") {
		t.Fatalf("crumbs changed although they fit: %q", got)
	}
}

func TestTruncateMidKeepsBothEnds(t *testing.T) {
	name := "service-instance_1d7ba15b-24e8-46dc-ad9c-553dd31b18f9"
	got := truncateMid(name, 16)
	if textWidth(got) != 16 || !strings.HasPrefix(got, "service") || !strings.HasSuffix(got, "1b18f9") {
		t.Fatalf("truncateMid = %q", got)
	}
	if truncateMid("cf", 16) != "cf" {
		t.Fatal("short text changed")
	}
	if got := truncateMid(name, 5); textWidth(got) > 5 {
		t.Fatalf("tiny width: %q", got)
	}
}

func TestPlainStylesStillMarkTheCursorRow(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	st := NewStyles(true)
	if got := st.selected.apply("row"); got != "\x1b[7mrow\x1b[0m" {
		t.Fatalf("cursor row under NO_COLOR = %q, want reverse video", got)
	}
	if st.role(roleOK).apply("ok") != "ok" {
		t.Fatal("plain styles must not colour")
	}
}

func TestHostileTextCannotReachTheTerminal(t *testing.T) {
	if got := clean("evil\x1b[2Jname\nnext"); got != "evil [2Jname next" {
		t.Fatalf("clean = %q", got)
	}
	if s := "plain"; clean(s) != s {
		t.Fatal("clean changed plain text")
	}
	deps, insts := fixture(1, 1)
	deps[0].Name = "cf\x1b]52;c;aGk=\x07"
	insts[deps[0].Name] = insts["cf-00"]
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts)}, 120, 35).start()
	raw := h.m.View()
	if strings.Contains(raw, "\x1b]52") || strings.Contains(raw, "\x07") {
		t.Fatalf("a control sequence from the director reached the screen: %q", raw)
	}
}

// Ages read as the CLI prints them (cache.Age): a day from 24 hours on.
func TestAgesReadAsInTheCLI(t *testing.T) {
	deps, insts := fixture(1, 1)
	h := newHarness(t, Options{Offline: true, Cached: cachedInfo(),
		Cache: newFakeCache(deps, insts, t0.Add(-47*time.Hour))}, 120, 35).start()
	if got := h.line(0); !strings.Contains(got, "offline (cached 1d ago)") {
		t.Fatalf("header = %q", got)
	}
}
