package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Palette is the semantic colour set. Screens never pick colours; they pick
// roles, and the roles map to these.
type Palette struct {
	OK     lipgloss.TerminalColor
	Warn   lipgloss.TerminalColor
	Err    lipgloss.TerminalColor
	Accent lipgloss.TerminalColor
	Border lipgloss.TerminalColor
}

// DefaultPalette uses the 16 ANSI colours, so the terminal's own theme
// decides the shades and nothing queries the terminal's background.
func DefaultPalette() Palette {
	return Palette{
		OK:     lipgloss.ANSIColor(2),
		Warn:   lipgloss.ANSIColor(3),
		Err:    lipgloss.ANSIColor(1),
		Accent: lipgloss.ANSIColor(6),
		Border: lipgloss.ANSIColor(8),
	}
}

// role is the meaning of a piece of text in a table cell or status line.
type role uint8

const (
	roleNone role = iota
	roleOK
	roleWarn
	roleErr
	roleFaint
	roleAccent
	roleBold
	numRoles
)

// paint is a style reduced to the escape sequences around its text, so the
// table can colour thousands of cells per second without lipgloss layout.
type paint struct{ pre, post string }

func (p paint) apply(s string) string {
	if p.pre == "" || s == "" {
		return s
	}
	return p.pre + s + p.post
}

// paintOf extracts the prefix and suffix a style puts around one-line text.
func paintOf(st lipgloss.Style) paint {
	const mark = "§"
	out := st.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(mark):]}
}

// Styles are built once from the palette. With NoColor they carry only
// attributes (bold, reverse), which NO_COLOR permits.
type Styles struct {
	App         lipgloss.Style // the program name in the header
	HeaderText  lipgloss.Style
	HeaderFaint lipgloss.Style
	Badge       lipgloss.Style // [RO]
	Live        lipgloss.Style
	Cached      lipgloss.Style
	Unreachable lipgloss.Style
	Crumb       lipgloss.Style
	CrumbActive lipgloss.Style
	Toolbar     lipgloss.Style
	StatusErr   lipgloss.Style
	StatusInfo  lipgloss.Style
	Spinner     lipgloss.Style
	HelpTitle   lipgloss.Style
	Help        help.Styles

	roles    [numRoles]paint
	header   paint // table column titles
	selected paint // the cursor row
}

// NewStyles builds the styles from DefaultPalette, or plain ones for
// NO_COLOR / --no-color.
func NewStyles(noColor bool) Styles {
	return stylesFor(lipgloss.DefaultRenderer(), noColor)
}

// stylesFor builds the styles for one renderer (one output).
func stylesFor(r *lipgloss.Renderer, noColor bool) Styles {
	if noColor {
		return plainStyles(r)
	}
	return colourStyles(r, DefaultPalette())
}

func colourStyles(r *lipgloss.Renderer, p Palette) Styles {
	n := r.NewStyle
	s := Styles{
		App:         n().Bold(true).Foreground(p.Accent),
		HeaderText:  n().Bold(true),
		HeaderFaint: n().Faint(true),
		Badge:       n().Bold(true).Foreground(p.Err),
		Live:        n().Foreground(p.OK),
		Cached:      n().Foreground(p.Warn),
		Unreachable: n().Bold(true).Foreground(p.Err),
		Crumb:       n().Faint(true),
		CrumbActive: n().Bold(true).Foreground(p.Accent),
		Toolbar:     n().Faint(true),
		StatusErr:   n().Foreground(p.Err),
		StatusInfo:  n(),
		Spinner:     n().Foreground(p.Accent),
		HelpTitle:   n().Bold(true).Foreground(p.Accent),
		Help: help.Styles{
			Ellipsis:       n().Faint(true),
			ShortKey:       n().Foreground(p.Accent),
			ShortDesc:      n().Faint(true),
			ShortSeparator: n().Faint(true),
			FullKey:        n().Foreground(p.Accent),
			FullDesc:       n(),
			FullSeparator:  n().Faint(true),
		},
	}
	s.roles[roleOK] = paintOf(n().Foreground(p.OK))
	s.roles[roleWarn] = paintOf(n().Foreground(p.Warn))
	s.roles[roleErr] = paintOf(n().Foreground(p.Err))
	s.roles[roleFaint] = paintOf(n().Faint(true))
	s.roles[roleAccent] = paintOf(n().Foreground(p.Accent))
	s.roles[roleBold] = paintOf(n().Bold(true))
	s.header = paintOf(n().Bold(true).Underline(true))
	s.selected = paintOf(n().Reverse(true))
	return s
}

func plainStyles(r *lipgloss.Renderer) Styles {
	n := r.NewStyle
	s := Styles{
		App:         n().Bold(true),
		HeaderText:  n().Bold(true),
		HeaderFaint: n(),
		Badge:       n().Bold(true),
		Live:        n(),
		Cached:      n(),
		Unreachable: n().Bold(true),
		Crumb:       n(),
		CrumbActive: n().Bold(true),
		Toolbar:     n(),
		StatusErr:   n().Bold(true),
		StatusInfo:  n(),
		Spinner:     n(),
		HelpTitle:   n().Bold(true),
		Help: help.Styles{
			Ellipsis: n(), ShortKey: n().Bold(true), ShortDesc: n(), ShortSeparator: n(),
			FullKey: n().Bold(true), FullDesc: n(), FullSeparator: n(),
		},
	}
	s.roles[roleBold] = paintOf(n().Bold(true))
	s.header = paintOf(n().Bold(true))
	// Reverse video is not colour, and without it the cursor row would be
	// invisible: lipgloss drops every attribute under NO_COLOR, so this one
	// is written by hand.
	s.selected = paint{pre: "\x1b[7m", post: "\x1b[0m"}
	return s
}

// role returns the paint for r.
func (s *Styles) role(r role) paint { return s.roles[r] }
