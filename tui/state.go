package tui

import (
	"strconv"
	"strings"

	"bosun/bosh"
)

// look is how a state shows: glyph + word + colour, so NO_COLOR and
// colour-blind users lose nothing.
type look struct {
	glyph string
	word  string
	role  role
}

func (l look) String() string { return l.glyph + " " + l.word }

var (
	lookRunning      = look{"●", "running", roleOK}
	lookFailing      = look{"▲", "failing", roleErr}
	lookUnresponsive = look{"?", "unresponsive", roleErr}
	lookStopped      = look{"■", "stopped", roleWarn}
	lookStarting     = look{"◌", "starting", roleWarn}
	lookUnknown      = look{"·", "unknown", roleFaint}
	lookNoVM         = look{"○", "no vm", roleFaint}
	lookNoDetails    = look{"-", "no details", roleFaint}
)

// processLook maps a director process state to its look.
func processLook(state string) look {
	switch state {
	case bosh.StateRunning:
		return lookRunning
	case bosh.StateFailing:
		return lookFailing
	case bosh.StateUnresponsive:
		return lookUnresponsive
	case bosh.StateStopped:
		return lookStopped
	case bosh.StateStarting:
		return lookStarting
	case bosh.StateUnknown:
		return lookUnknown
	case "":
		return lookNoDetails
	default:
		return look{"·", state, roleFaint}
	}
}

// instanceLook is the state of an instance: no VM wins, then the process
// state from the latest details.
func instanceLook(in *bosh.Instance) look {
	if in.VMCID == "" {
		return lookNoVM
	}
	return processLook(in.ProcessState)
}

// stateRank orders states worst first for sorting.
func stateRank(in *bosh.Instance) int {
	switch instanceLook(in) {
	case lookFailing:
		return 0
	case lookUnresponsive:
		return 1
	case lookStopped:
		return 2
	case lookStarting:
		return 3
	case lookRunning:
		return 6
	case lookNoVM:
		return 7
	case lookNoDetails:
		return 8
	default:
		return 4
	}
}

// instanceKey identifies an instance across refreshes.
func instanceKey(in *bosh.Instance) string {
	if in.ID != "" {
		return in.ID
	}
	return in.Group + "/" + strconv.Itoa(in.Index)
}

// instanceGroup is the instance group, from Group or the "group/uuid" name.
func instanceGroup(in *bosh.Instance) string {
	if in.Group != "" {
		return in.Group
	}
	g, _, _ := strings.Cut(in.Name, "/")
	return g
}

// instanceLabel is "group/uuid-short", with "*" for the bootstrap instance.
func instanceLabel(in *bosh.Instance) string {
	id := in.ID
	if id == "" {
		if _, rest, ok := strings.Cut(in.Name, "/"); ok {
			id = rest
		} else {
			id = strconv.Itoa(in.Index)
		}
	}
	s := instanceGroup(in) + "/" + shortID(id)
	if in.Bootstrap {
		s += "*"
	}
	return s
}

// healthSpans renders a health summary: "● 12 running  ▲ 1 failing". The
// compact form drops the words: "●12 ▲1".
func healthSpans(h bosh.Health, compact bool) []span {
	parts := []struct {
		n int
		l look
	}{
		{h.Running, lookRunning}, {h.Failing, lookFailing}, {h.Unresponsive, lookUnresponsive},
		{h.Stopped, lookStopped}, {h.Other, look{"·", "other", roleFaint}},
	}
	var out []span
	for _, p := range parts {
		if p.n == 0 {
			continue
		}
		text := p.l.glyph + " " + strconv.Itoa(p.n) + " " + p.l.word
		sep := "  "
		if compact {
			text = p.l.glyph + strconv.Itoa(p.n)
			sep = " "
		}
		if len(out) > 0 {
			out = append(out, span{text: sep})
		}
		out = append(out, span{text: text, role: p.l.role})
	}
	return out
}

// spansWidth is the display width of spans.
func spansWidth(sp []span) int {
	w := 0
	for _, s := range sp {
		w += textWidth(s.text)
	}
	return w
}
