package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

// keyMeanings is what each letter means across the screens: a letter
// gets another meaning only on purpose (README documents these keys).
var keyMeanings = map[string][]string{
	"<": {"columns left"},
	">": {"columns right"},
	"A": {"audit flags"},
	"C": {"clusters"},
	"D": {"debug log / events"},
	"E": {"activity (director events)"},
	"F": {"--fix (recreate unresponsive agents)"},
	"G": {"last row", "end of file"},
	"H": {"--hard (delete the VMs)"},
	"L": {"group logs", "master logs"},
	"N": {"previous match"},
	"O": {"stop…"},
	"R": {"restart…"},
	"S": {"reverse sort"},
	"U": {"start…"},
	"V": {"recreate…"},
	"X": {"cancel task"},
	"a": {"apply resolutions"},
	"c": {"cloud-check"},
	"d": {"deployment", "disable audit"},
	"e": {"etcd health", "enable audit"},
	"f": {"class filter"},
	"g": {"first row", "first line"},
	"h": {"scroll left"},
	"j": {"down"},
	"k": {"up"},
	"l": {"fetch logs", "VM logs", "logs (on an instance)"},
	"m": {"older events"},
	"n": {"next match", "no"},
	"r": {"refresh", "fetch again", "read again", "rescan", "re-read"},
	"s": {"sort column"},
	"u": {"pod usage"},
	"v": {"level"},
	"w": {"wrap"},
	"x": {"shell (ssh)"},
	"y": {"yes, apply"},
}

func TestOneMeaningPerLetter(t *testing.T) {
	for _, m := range screenKeyMaps() {
		if m.modal {
			continue
		}
		for _, b := range bindingsOf(m.keys.FullHelp()) {
			for _, k := range b.Keys() {
				if len(k) != 1 || k == " " || strings.ContainsAny(k, ":?/") {
					continue
				}
				if !slices.Contains(keyMeanings[k], b.Help().Desc) {
					t.Errorf("%s: %q means %q, not one of %q", m.screen, k, b.Help().Desc, keyMeanings[k])
				}
			}
		}
	}
}

// The footer shows a part of what `?` shows, with the same words.
func TestShortHelpIsPartOfFullHelp(t *testing.T) {
	for _, m := range screenKeyMaps() {
		full := bindingsOf(m.keys.FullHelp())
		for _, b := range m.keys.ShortHelp() {
			if !b.Enabled() {
				continue
			}
			found := slices.ContainsFunc(full, func(f key.Binding) bool {
				return f.Help() == b.Help() && slices.Equal(f.Keys(), b.Keys())
			})
			if !found {
				t.Errorf("%s: footer shows %q %q, which `?` does not", m.screen, b.Help().Key, b.Help().Desc)
			}
		}
	}
}

func TestHelpAndFooterShowTheScreensOwnKeys(t *testing.T) {
	hs, _, _ := eventsHarness(t, 140, 30)
	foot := hs.line(29)
	if !strings.Contains(foot, "f class filter") || strings.Contains(foot, "shell") {
		t.Fatalf("events footer = %q", foot)
	}
	hs.keys("?")
	v := hs.view()
	for _, want := range []string{"f class filter", "l VM logs", "on every screen", "esc back", "q quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("events help lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "shell (ssh)") || strings.Contains(v, "cloud-check") {
		t.Errorf("events help lists other screens' keys:\n%s", v)
	}

	h, _ := shellHarness(t, false)
	h.keys("?")
	if v := h.view(); !strings.Contains(v, "x shell (ssh)") || strings.Contains(v, "class filter") {
		t.Fatalf("instances help:\n%s", v)
	}
}

func TestUnboundKeySaysSo(t *testing.T) {
	h, _ := startedHarness(t, 1, 1, 120, 35)
	h.keys("x")
	if v := h.view(); !strings.Contains(v, "x: no action on this screen") {
		t.Fatalf("x on deployments:\n%s", v)
	}
	hs, _, _ := eventsHarness(t, 140, 30)
	s := hs.top().(*eventsScreen)
	hs.keys("x") // the class filter moved to f
	if s.classes != 0 || !strings.Contains(hs.view(), "x: no action on this screen") {
		t.Fatalf("x on events: classes %v\n%s", s.classes, hs.view())
	}
	ro, sh := shellHarness(t, true)
	ro.keys("x")
	if len(sh.asked) != 0 || !strings.Contains(ro.view(), "x: shell (ssh) is off in read-only mode") {
		t.Fatalf("x read-only:\n%s", ro.view())
	}
}

// An asked-for refresh retries the director's /info while it has not
// answered; once it has, a refresh leaves it be.
func TestRefreshRetriesDirectorInfo(t *testing.T) {
	deps, insts := fixture(1, 1)
	d := newFakeDirector(deps, insts)
	d.setErr(errDown)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	asked := d.count("info")
	if h.m.c.infoLive || asked == 0 {
		t.Fatalf("info live %v after a failed start, asked %d times", h.m.c.infoLive, asked)
	}
	d.setErr(nil)
	h.keys("r")
	if d.count("info") != asked+1 || !h.m.c.infoLive {
		t.Fatalf("r asked info %d times (before %d), live %v", d.count("info"), asked, h.m.c.infoLive)
	}
	h.keys("r")
	if d.count("info") != asked+1 {
		t.Fatalf("r asked info again once live: %d", d.count("info"))
	}
}
