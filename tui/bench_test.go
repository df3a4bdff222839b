package tui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// 500 deployments of 100 instances: a big foundation.
const benchDeps, benchPer = 500, 100

func benchCache() *fakeCache {
	deps, insts := fixture(benchDeps, benchPer)
	return newFakeCache(deps, insts, t0.Add(-4*time.Minute))
}

// firstFrame builds the model, feeds it the cache's answers and renders:
// what the user waits for before the first screen.
func firstFrame(c *fakeCache, o Options) (*Model, string) {
	o.Cache, o.Cached, o.NoColor = c, cachedInfo(), true
	wireFakes(&o)
	if o.Now == nil {
		o.Now = func() time.Time { return t0 }
	}
	m := newModel(o)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 35})
	deps, at, _ := c.Deployments("uuid-1")
	m.Update(cachedDeploymentsMsg{uuid: "uuid-1", deps: deps, at: at})
	insts, at, _ := c.AllInstances("uuid-1")
	m.Update(cachedInstancesMsg{uuid: "uuid-1", insts: insts, at: at})
	return m, m.View()
}

func TestFirstFrameShowsAllCachedInstances(t *testing.T) {
	m, v := firstFrame(benchCache(), Options{Offline: true, StartScreen: StartInstances})
	if got := m.top().(storeView).rowCount(); got != benchDeps*benchPer {
		t.Fatalf("rows = %d, want %d", got, benchDeps*benchPer)
	}
	if len(v) == 0 {
		t.Fatal("empty first frame")
	}
}

func BenchmarkFirstFrameFromCache(b *testing.B) {
	c := benchCache()
	b.ReportAllocs()
	for b.Loop() {
		firstFrame(c, Options{Offline: true, StartScreen: StartInstances})
	}
}

func BenchmarkFirstFrameDeploymentsFromCache(b *testing.B) {
	c := benchCache()
	b.ReportAllocs()
	for b.Loop() {
		firstFrame(c, Options{Offline: true})
	}
}

// BenchmarkViewInstances50k renders the all-instances screen holding 50,000
// rows, with colour, while the cursor moves.
func BenchmarkViewInstances50k(b *testing.B) {
	for _, noColor := range []bool{false, true} {
		name := "colour"
		if noColor {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			m, _ := firstFrame(benchCache(), Options{Offline: true, StartScreen: StartInstances})
			b.Setenv("CLICOLOR_FORCE", "1") // colour even though stdout is not a terminal
			m.c.styles = stylesFor(lipgloss.NewRenderer(os.Stdout), noColor)
			if v := m.View(); noColor == strings.Contains(v, "\x1b[32m") {
				b.Fatalf("noColor=%v but the green of running present=%v", noColor, !noColor)
			}
			down := keyMsg("j")
			b.ReportAllocs()
			for b.Loop() {
				m.Update(down)
				_ = m.View()
			}
		})
	}
}

// BenchmarkFilterKeystroke50k is one key typed into the filter over 50,000
// rows: the filter runs on input, never in View.
func BenchmarkFilterKeystroke50k(b *testing.B) {
	m, _ := firstFrame(benchCache(), Options{Offline: true, StartScreen: StartInstances})
	m.Update(keyMsg("/"))
	m.Update(keyMsg("d"))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			m.Update(keyMsg("i"))
		} else {
			m.Update(keyMsg("backspace"))
		}
		_ = m.View()
	}
}

// BenchmarkSortKeystroke50k re-sorts 50,000 rows by the next column.
func BenchmarkSortKeystroke50k(b *testing.B) {
	m, _ := firstFrame(benchCache(), Options{Offline: true, StartScreen: StartInstances})
	b.ReportAllocs()
	for b.Loop() {
		m.Update(keyMsg("s"))
	}
}
