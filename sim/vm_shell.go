package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// shell is the small command interpreter of a simulated VM: sequences
// (&&, ||, ;), pipes, redirections, quoting, sudo and sh -c, and the
// commands an operator or bosun uses on a BOSH VM.
type shell struct {
	h    *sshVM
	user string
	root bool
}

// token is a word or an operator of a command line.
type token struct {
	s  string
	op bool
}

// tokenize splits a line into words and operators, honouring quotes.
func tokenize(line string) ([]token, error) {
	var out []token
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			out = append(out, token{s: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated quoted string")
			}
			cur.WriteString(line[i+1 : i+1+j])
			inWord, i = true, i+1+j
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`+"`", line[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, errors.New("unterminated quoted string")
			}
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '&' && strings.HasPrefix(line[i:], "&&"), c == '|' && strings.HasPrefix(line[i:], "||"),
			c == '>' && strings.HasPrefix(line[i:], ">>"):
			flush()
			out = append(out, token{s: line[i : i+2], op: true})
			i++
		case c == '2' && !inWord && strings.HasPrefix(line[i:], "2>&1"):
			out = append(out, token{s: "2>&1", op: true})
			i += 3
		case c == '2' && !inWord && strings.HasPrefix(line[i:], "2>"):
			out = append(out, token{s: "2>", op: true})
			i++
		case c == ';' || c == '|' || c == '>' || c == '<':
			flush()
			out = append(out, token{s: string(c), op: true})
		case c == '#' && !inWord:
			i = len(line)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return out, nil
}

// run interprets a command line and returns its exit status; exit is set
// when the line ran the exit builtin.
func (sh *shell) run(line string, stdin io.Reader, stdout, stderr io.Writer) (status int, exit bool) {
	toks, err := tokenize(line)
	if err != nil {
		fmt.Fprintf(stderr, "sh: 1: Syntax error: %v\n", err)
		return 2, false
	}
	status = 0
	skip := false
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !(toks[i].op && (toks[i].s == "&&" || toks[i].s == "||" || toks[i].s == ";")) {
			continue
		}
		if !skip && i > start {
			var ex bool
			status, ex = sh.pipeline(toks[start:i], stdin, stdout, stderr)
			if ex {
				return status, true
			}
		}
		if i < len(toks) {
			switch toks[i].s {
			case "&&":
				skip = status != 0
			case "||":
				skip = status == 0
			default:
				skip = false
			}
		}
		start = i + 1
	}
	return status, false
}

func (sh *shell) pipeline(toks []token, stdin io.Reader, stdout, stderr io.Writer) (int, bool) {
	var parts [][]token
	start := 0
	for i, t := range toks {
		if t.op && t.s == "|" {
			parts = append(parts, toks[start:i])
			start = i + 1
		}
	}
	parts = append(parts, toks[start:])
	in := stdin
	for i, p := range parts {
		if i == len(parts)-1 {
			return sh.simple(p, in, stdout, stderr)
		}
		var buf bytes.Buffer
		sh.simple(p, in, &buf, stderr)
		in = &buf
	}
	return 0, false
}

// simple runs one command with its redirections.
func (sh *shell) simple(toks []token, stdin io.Reader, stdout, stderr io.Writer) (int, bool) {
	var args []string
	var outFile, inFile string
	var appendOut bool
	errOut := stderr
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.op {
			args = append(args, t.s)
			continue
		}
		switch t.s {
		case "2>&1":
			errOut = stdout
			continue
		}
		if i+1 >= len(toks) || toks[i+1].op {
			fmt.Fprintf(stderr, "sh: 1: Syntax error: redirection unexpected\n")
			return 2, false
		}
		i++
		switch t.s {
		case ">", ">>":
			outFile, appendOut = toks[i].s, t.s == ">>"
		case "<":
			inFile = toks[i].s
		case "2>":
			if toks[i].s == "/dev/null" {
				errOut = io.Discard
			}
		}
	}
	if len(args) == 0 {
		return 0, false
	}
	if inFile != "" {
		b, err := sh.h.fs.read(inFile)
		if err != nil {
			fmt.Fprintf(errOut, "sh: 1: cannot open %s: %v\n", inFile, err)
			return 2, false
		}
		stdin = bytes.NewReader(b)
	}
	var out bytes.Buffer
	w := stdout
	if outFile != "" && outFile != "/dev/null" {
		if !sh.mayWrite(outFile) {
			fmt.Fprintf(errOut, "sh: 1: cannot create %s: Permission denied\n", outFile)
			return 2, false
		}
		if !appendOut {
			if err := sh.h.fs.write(outFile, nil, false); err != nil {
				fmt.Fprintf(errOut, "sh: 1: cannot create %s: %v\n", outFile, err)
				return 2, false
			}
		}
		w = &out
	} else if outFile == "/dev/null" {
		w = io.Discard
	}
	status, exit := sh.command(args, stdin, w, errOut)
	if outFile != "" && outFile != "/dev/null" {
		sh.h.fs.write(outFile, out.Bytes(), true)
	}
	return status, exit
}

// mayWrite: root writes anywhere; users only under /tmp and their home.
func (sh *shell) mayWrite(p string) bool {
	p = cleanPath(p)
	return sh.root || strings.HasPrefix(p, "/tmp/") || strings.HasPrefix(p, "/home/"+sh.user+"/")
}

// splitFlags separates leading -x flags from the operands.
func splitFlags(args []string) (string, []string) {
	var flags strings.Builder
	i := 0
	for ; i < len(args) && strings.HasPrefix(args[i], "-") && len(args[i]) > 1; i++ {
		flags.WriteString(args[i][1:])
	}
	return flags.String(), args[i:]
}
