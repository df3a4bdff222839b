package bosh

import (
	"sort"
	"strings"
)

// CloudCheckCommand is the bosh CLI command that applies the same answers
// to probs: `--auto` when every problem takes the director's default, else
// `--resolution NAME` flags. The bosh CLI gives each problem the first of
// its resolutions named by a flag, else "ignore"; when no set of flags
// reproduces the answers exactly, the command is the closest one and says
// so.
func CloudCheckCommand(dep string, probs []Problem, answers []Answer) string {
	base := "bosh -d " + shellWord(dep) + " cloud-check"
	chosen := map[int]string{}
	allDefault := len(answers) == len(probs)
	for _, a := range answers {
		chosen[a.ProblemID] = a.Resolution
		if a.Resolution != "" {
			allDefault = false
		}
	}
	if allDefault && len(probs) > 0 {
		return base + " --auto"
	}
	names := map[string]bool{}
	want := map[int]string{}
	for _, p := range probs {
		name, ok := chosen[p.ID]
		switch {
		case !ok:
			name = "ignore"
		case name == "":
			name = p.Default
		}
		want[p.ID] = name
		if name != "ignore" {
			names[name] = true
		}
	}
	flags := make([]string, 0, len(names))
	for n := range names {
		flags = append(flags, n)
	}
	sort.Strings(flags)
	if len(flags) == 0 {
		flags = []string{"ignore"}
	}
	exact := true
	for _, p := range probs {
		got := "ignore"
		for _, r := range p.Resolutions {
			if names[r.Name] {
				got = r.Name
				break
			}
		}
		if got != want[p.ID] {
			exact = false
		}
	}
	var b strings.Builder
	b.WriteString(base)
	for _, f := range flags {
		b.WriteString(" --resolution " + f)
	}
	if !exact {
		b.WriteString("  (closest: bosh applies each --resolution to every problem that has it)")
	}
	return b.String()
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
