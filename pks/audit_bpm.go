package pks

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// bpmArgs is the args list of the kube-apiserver process in a bpm.yml,
// with where each item sits in the file, so that edits touch only the
// lines of the items they change (pks.md §2.2).
type bpmArgs struct {
	src   []byte
	lines [][]byte // src split after each \n
	items []bpmItem
	// insertAt is the line index just after the last item.
	endLine int
}

type bpmItem struct {
	value  string
	line   int // 0-based line of the item
	indent string
	style  yaml.Style
}

// parseBPM reads the args of the process named kube-apiserver (or the
// first process) of a bpm.yml. It refuses layouts whose items are not one
// per line, which it could not edit without rewriting the file.
func parseBPM(src []byte) (*bpmArgs, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("bpm.yml does not parse: %v", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("bpm.yml is not a mapping")
	}
	procs := mapValue(doc.Content[0], "processes")
	if procs == nil || procs.Kind != yaml.SequenceNode || len(procs.Content) == 0 {
		return nil, errors.New("bpm.yml has no processes list")
	}
	proc := procs.Content[0]
	for _, p := range procs.Content {
		if n := mapValue(p, "name"); n != nil && n.Value == "kube-apiserver" {
			proc = p
		}
	}
	args := mapValue(proc, "args")
	if args == nil || args.Kind != yaml.SequenceNode || args.Style&yaml.FlowStyle != 0 {
		return nil, errors.New("bpm.yml: the process has no block args list")
	}
	b := &bpmArgs{src: src, lines: bytes.SplitAfter(src, []byte("\n"))}
	if len(b.lines) > 0 && len(b.lines[len(b.lines)-1]) == 0 {
		b.lines = b.lines[:len(b.lines)-1]
	}
	seen := map[int]bool{}
	for _, it := range args.Content {
		if it.Kind != yaml.ScalarNode || strings.Contains(it.Value, "\n") || it.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return nil, fmt.Errorf("bpm.yml: arg at line %d is not a one-line string", it.Line)
		}
		ln := it.Line - 1
		if seen[ln] || ln >= len(b.lines) {
			return nil, fmt.Errorf("bpm.yml: args are not one per line (line %d)", it.Line)
		}
		seen[ln] = true
		text := string(b.lines[ln])
		trimmed := strings.TrimLeft(text, " ")
		if !strings.HasPrefix(trimmed, "- ") {
			return nil, fmt.Errorf("bpm.yml: line %d is not a list item", it.Line)
		}
		b.items = append(b.items, bpmItem{value: it.Value, line: ln, indent: text[:len(text)-len(trimmed)], style: it.Style})
	}
	if len(b.items) == 0 {
		return nil, errors.New("bpm.yml: the args list is empty")
	}
	b.endLine = b.items[len(b.items)-1].line + 1
	return b, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// values is the args list.
func (b *bpmArgs) values() []string {
	out := make([]string, len(b.items))
	for i, it := range b.items {
		out[i] = it.value
	}
	return out
}

// flagName is "audit-log-path" for "--audit-log-path=/x".
func flagName(arg string) string {
	k, _, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
	return k
}

func flagValue(arg string) string {
	_, v, _ := strings.Cut(arg, "=")
	return v
}

// isAuditFlag is true for every --audit-* flag.
func isAuditFlag(arg string) bool { return strings.HasPrefix(arg, "--audit-") }

// auditFlags are the --audit-* flags of args, by name.
func auditFlags(args []string) map[string]string {
	out := map[string]string{}
	for _, a := range args {
		if isAuditFlag(a) {
			out[flagName(a)] = flagValue(a)
		}
	}
	return out
}

// renderItem writes one list item line in the given style.
func renderItem(indent, value string, style yaml.Style) string {
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		return indent + "- " + strconv.Quote(value) + "\n"
	case style&yaml.SingleQuotedStyle != 0:
		return indent + "- '" + strings.ReplaceAll(value, "'", "''") + "'\n"
	}
	if plainSafe(value) {
		return indent + "- " + value + "\n"
	}
	return indent + "- " + strconv.Quote(value) + "\n"
}

// plainSafe: a value that reads back unchanged as a plain scalar.
func plainSafe(v string) bool {
	var out []string
	return yaml.Unmarshal([]byte("- "+v+"\n"), &out) == nil && len(out) == 1 && out[0] == v
}

// setAudit returns the file with the audit flags set to want: flags
// already there get their new value in place, new ones are inserted in
// the alphabetical place among the items (where the rendered k8s-args
// put them), in the quoting style of their neighbour; audit flags not in
// want are removed. Every other byte of the file stays as it was. The
// result is parsed again and checked.
func (b *bpmArgs) setAudit(want map[string]string) ([]byte, error) {
	replace := map[int]string{} // line → new text ("" = delete)
	insertBefore := map[int][]string{}
	var appendEnd []string
	have := map[string]bool{}
	for _, it := range b.items {
		if !isAuditFlag(it.value) {
			continue
		}
		name := flagName(it.value)
		v, ok := want[name]
		switch {
		case !ok || have[name]:
			replace[it.line] = ""
		default:
			if it.value != "--"+name+"="+v {
				replace[it.line] = renderItem(it.indent, "--"+name+"="+v, it.style)
			}
		}
		have[name] = true
	}
	names := make([]string, 0, len(want))
	for k := range want {
		if !have[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		arg := "--" + name + "=" + want[name]
		placed := false
		for _, it := range b.items {
			if !isAuditFlag(it.value) && strings.HasPrefix(it.value, "--") && flagName(it.value) > name {
				insertBefore[it.line] = append(insertBefore[it.line], renderItem(it.indent, arg, it.style))
				placed = true
				break
			}
		}
		if !placed {
			last := b.items[len(b.items)-1]
			appendEnd = append(appendEnd, renderItem(last.indent, arg, last.style))
		}
	}
	var out bytes.Buffer
	for i, l := range b.lines {
		for _, ins := range insertBefore[i] {
			out.WriteString(ins)
		}
		if i == b.endLine {
			for _, a := range appendEnd {
				out.WriteString(a)
			}
		}
		if r, ok := replace[i]; ok {
			out.WriteString(r)
			continue
		}
		out.Write(l)
	}
	if b.endLine >= len(b.lines) {
		if len(b.lines) > 0 && !bytes.HasSuffix(b.lines[len(b.lines)-1], []byte("\n")) && len(appendEnd) > 0 {
			out.WriteString("\n")
		}
		for _, a := range appendEnd {
			out.WriteString(a)
		}
	}
	res := out.Bytes()
	if err := b.check(res, want); err != nil {
		return nil, err
	}
	return res, nil
}

// check parses the edited file and compares its args with the intent:
// the same non-audit args in the same order, and exactly want's audit flags.
func (b *bpmArgs) check(res []byte, want map[string]string) error {
	nb, err := parseBPM(res)
	if err != nil {
		return fmt.Errorf("edited bpm.yml does not read back: %v", err)
	}
	var before, after []string
	for _, a := range b.values() {
		if !isAuditFlag(a) {
			before = append(before, a)
		}
	}
	for _, a := range nb.values() {
		if !isAuditFlag(a) {
			after = append(after, a)
		}
	}
	got := auditFlags(nb.values())
	if !slices.Equal(before, after) || len(got) != len(want) {
		return errors.New("edited bpm.yml does not hold the intended args; not written")
	}
	for k, v := range want {
		if got[k] != v {
			return fmt.Errorf("edited bpm.yml has --%s=%s, want %s; not written", k, got[k], v)
		}
	}
	return nil
}
