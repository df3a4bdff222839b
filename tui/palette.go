package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// paletteCommands are the `:` commands; any unique prefix works.
var paletteCommands = []string{"deployments", "instances", "clusters", "logs", "events", "history", "tasks", "activity", "quit"}

// palette is the `:` command line: `:deployments`, `:instances DEP`,
// `:instances` (all), `:q`. Tab completes command and deployment names.
type palette struct {
	active  bool
	input   lineInput
	matches []string // candidates shown after an ambiguous tab
}

// paletteKeys are the command line's keys.
func paletteKeys() inputKeys {
	k := newInputKeys("run", "cancel")
	k.Complete.SetEnabled(true)
	return k
}

func (p *palette) open() {
	p.active = true
	p.input = lineInput{prompt: ":"}
	p.input.Focus()
	p.matches = nil
}

func (p *palette) close() {
	p.active = false
	p.matches = nil
}

// paletteKey edits, completes, runs or cancels the command line.
func (m *Model) paletteKey(msg tea.KeyMsg) tea.Cmd {
	p := &m.palette
	k := paletteKeys()
	switch {
	case key.Matches(msg, k.Cancel):
		p.close()
		return nil
	case key.Matches(msg, k.Accept):
		line := p.input.Value()
		p.close()
		return m.runCommand(line)
	case key.Matches(msg, k.Complete):
		p.complete(m.c.store.depNames())
		return nil
	}
	p.input.Update(msg)
	p.matches = nil
	return nil
}

// complete extends the word under completion to the longest common prefix
// of its candidates, and lists them when more than one is left.
func (p *palette) complete(deps []string) {
	text := p.input.Value()
	words := strings.Fields(text)
	trailing := strings.HasSuffix(text, " ")
	var cands []string
	var prefix, head string
	switch {
	case len(words) == 0 || (len(words) == 1 && !trailing):
		if len(words) == 1 {
			prefix = words[0]
		}
		cands = withPrefix(paletteCommands, prefix)
	case (resolveCommand(words[0]) == "instances" || resolveCommand(words[0]) == "activity") && (len(words) == 1 || (len(words) == 2 && !trailing)):
		if len(words) == 2 {
			prefix = words[1]
		}
		head = resolveCommand(words[0]) + " "
		cands = withPrefix(deps, prefix)
	default:
		return
	}
	p.matches = nil
	switch len(cands) {
	case 0:
		return
	case 1:
		if head == "" {
			p.input.SetValue(cands[0] + " ")
		} else {
			p.input.SetValue(head + cands[0])
		}
	default:
		p.input.SetValue(head + commonPrefix(cands))
		p.matches = cands
	}
}

func withPrefix(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func commonPrefix(list []string) string {
	p := list[0]
	for _, s := range list[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// resolveCommand maps a typed word to its command: exact, "q", or a unique
// prefix. It returns "" when the word names none or several.
func resolveCommand(word string) string {
	if word == "q" || word == "q!" {
		return "quit"
	}
	if slices.Contains(paletteCommands, word) {
		return word
	}
	if c := withPrefix(paletteCommands, word); len(c) == 1 && word != "" {
		return c[0]
	}
	return ""
}

// runCommand carries out a command line; a bad one leaves the screen as it
// is and says what was wrong.
func (m *Model) runCommand(line string) tea.Cmd {
	words := strings.Fields(line)
	if len(words) == 0 {
		return nil
	}
	switch resolveCommand(words[0]) {
	case "quit":
		return tea.Quit
	case "deployments":
		if len(words) > 1 {
			return status("usage: :deployments", true)
		}
		return navigate(route{kind: routeDeployments}, true)
	case "events":
		if len(words) > 1 {
			return status("usage: :events", true)
		}
		return pushScreen(newEvents(m.c), true)
	case "clusters":
		if len(words) > 1 {
			return status("usage: :clusters", true)
		}
		return navigate(route{kind: routeClusters}, true)
	case "logs":
		if len(words) > 1 {
			return status("usage: :logs", true)
		}
		return pushScreen(newBundlesScreen(m.c), false)
	case "history":
		if len(words) > 1 {
			return status("usage: :history", true)
		}
		return pushScreen(newHistoryScreen(m.c), false)
	case "tasks":
		if len(words) > 1 {
			return status("usage: :tasks", true)
		}
		if !m.c.online() || m.c.opts.Data.Tasks == nil {
			return status("offline: tasks come from the director", true)
		}
		return pushScreen(newTasksScreen(m.c), false)
	case "activity":
		switch len(words) {
		case 1:
			return openActivity(m.c, bosh.EventsFilter{})
		case 2:
			return openActivity(m.c, bosh.EventsFilter{Deployment: words[1]})
		}
		return status("usage: :activity [DEPLOYMENT]", true)
	case "instances":
		switch len(words) {
		case 1:
			return navigate(route{kind: routeInstances}, true)
		case 2:
			dep := words[1]
			if m.c.store.depsKnown && !m.c.store.hasDeployment(dep) {
				return status(fmt.Sprintf("no deployment named %q", dep), true)
			}
			return navigate(route{kind: routeInstances, dep: dep}, true)
		}
		return status("usage: :instances [DEPLOYMENT]", true)
	}
	return status(fmt.Sprintf("unknown command %q; try :deployments, :instances [DEPLOYMENT], :clusters, :logs, :events, :history, :tasks, :activity [DEPLOYMENT], :q", words[0]), true)
}

func navigate(to route, reset bool) tea.Cmd {
	return func() tea.Msg { return navigateMsg{to: to, reset: reset} }
}

// view is the command line with the candidates of the last tab.
func (p *palette) view(width int, st *Styles) string {
	in := p.input.View(width, st.selected)
	if len(p.matches) == 0 {
		return in
	}
	return truncateANSI(in+"  "+st.Toolbar.Render(strings.Join(p.matches, "  ")), width)
}
