package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
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

func (sh *shell) command(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, bool) {
	name, rest := args[0], args[1:]
	fail := func(format string, a ...any) (int, bool) {
		fmt.Fprintf(stderr, format+"\n", a...)
		return 1, false
	}
	denied := func(p string) (int, bool) { return fail("%s: %s: Permission denied", name, p) }
	switch name {
	case "sudo":
		for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return fail("usage: sudo command")
		}
		sub := &shell{h: sh.h, user: sh.user, root: true}
		status, _ := sub.command(rest, stdin, stdout, stderr)
		return status, false
	case "sh", "bash", "/bin/sh", "/bin/bash":
		if len(rest) >= 2 && rest[0] == "-c" {
			status, _ := sh.run(rest[1], stdin, stdout, stderr)
			return status, false
		}
		return fail("%s: only -c is supported by this VM", name)
	case "exit":
		n := 0
		if len(rest) > 0 {
			n, _ = strconv.Atoi(rest[0])
		}
		return n, true
	case "true", ":":
		return 0, false
	case "false":
		return 1, false
	case "echo":
		fmt.Fprintln(stdout, strings.Join(rest, " "))
		return 0, false
	case "id":
		if sh.root {
			fmt.Fprintln(stdout, "uid=0(root) gid=0(root) groups=0(root)")
		} else {
			fmt.Fprintf(stdout, "uid=1001(%s) gid=1001(%s) groups=1001(%s),1000(vcap),1002(admin),1003(bosh_sudoers),1004(bosh_sshers)\n", sh.user, sh.user, sh.user)
		}
		return 0, false
	case "whoami":
		if sh.root {
			fmt.Fprintln(stdout, "root")
		} else {
			fmt.Fprintln(stdout, sh.user)
		}
		return 0, false
	case "hostname":
		fmt.Fprintln(stdout, sh.h.inst.VM.AgentID)
		return 0, false
	case "cat":
		if len(rest) == 0 {
			io.Copy(stdout, stdin)
			return 0, false
		}
		status := 0
		for _, p := range rest {
			b, err := sh.h.fs.read(p)
			if err != nil {
				fmt.Fprintf(stderr, "cat: %s: %v\n", p, err)
				status = 1
				continue
			}
			stdout.Write(b)
		}
		return status, false
	case "sha256sum":
		flags, files := splitFlags(rest)
		if strings.Contains(flags, "c") || strings.Contains(flags, "-check") {
			return sh.sha256Check(files, stdin, stdout, stderr, strings.Contains(flags, "-status")), false
		}
		status := 0
		for _, p := range files {
			b, err := sh.h.fs.read(p)
			if err != nil {
				fmt.Fprintf(stderr, "sha256sum: %s: %v\n", p, err)
				status = 1
				continue
			}
			sum := sha256.Sum256(b)
			fmt.Fprintf(stdout, "%s  %s\n", hex.EncodeToString(sum[:]), p)
		}
		return status, false
	case "cp", "mv":
		flags, paths := splitFlags(rest)
		if len(paths) != 2 {
			return fail("%s: want SOURCE DEST", name)
		}
		if !sh.mayWrite(paths[1]) {
			return denied(paths[1])
		}
		var err error
		if name == "cp" {
			err = sh.h.fs.copyFile(paths[0], paths[1], strings.Contains(flags, "p"))
		} else {
			if !sh.mayWrite(paths[0]) {
				return denied(paths[0])
			}
			err = sh.h.fs.rename(paths[0], paths[1])
		}
		if err != nil {
			return fail("%s: cannot stat '%s': %v", name, paths[0], err)
		}
		return 0, false
	case "rm":
		flags, paths := splitFlags(rest)
		status := 0
		for _, p := range paths {
			if !sh.mayWrite(p) {
				denied(p)
				status = 1
				continue
			}
			if err := sh.h.fs.remove(p, strings.ContainsAny(flags, "rR")); err != nil && !(strings.Contains(flags, "f") && errors.Is(err, errNoEnt)) {
				fmt.Fprintf(stderr, "rm: cannot remove '%s': %v\n", p, err)
				status = 1
			}
		}
		return status, false
	case "mkdir", "rmdir":
		flags, paths := splitFlags(rest)
		for _, p := range paths {
			if !sh.mayWrite(p + "/") {
				return denied(p)
			}
			var err error
			if name == "mkdir" {
				err = sh.h.fs.mkdir(p, strings.Contains(flags, "p"))
			} else {
				err = sh.h.fs.rmdir(p)
			}
			if err != nil {
				return fail("%s: cannot %s directory '%s': %v", name, map[string]string{"mkdir": "create", "rmdir": "remove"}[name], p, err)
			}
		}
		return 0, false
	case "ls":
		_, paths := splitFlags(rest)
		if len(paths) == 0 {
			paths = []string{"/home/" + sh.user}
		}
		for _, p := range paths {
			names, err := sh.h.fs.list(p)
			if err != nil {
				return fail("ls: cannot access '%s': %v", p, err)
			}
			for _, n := range names {
				fmt.Fprintln(stdout, n)
			}
		}
		return 0, false
	case "test", "[":
		if name == "[" && (len(rest) == 0 || rest[len(rest)-1] != "]") {
			return fail("[: missing ]")
		}
		if name == "[" {
			rest = rest[:len(rest)-1]
		}
		if len(rest) != 2 {
			return 2, false
		}
		f, ok := sh.h.fs.stat(rest[1])
		switch rest[0] {
		case "-e":
			ok = ok && true
		case "-f":
			ok = ok && !f.mode.IsDir()
		case "-d":
			ok = ok && f.mode.IsDir()
		default:
			return 2, false
		}
		if ok {
			return 0, false
		}
		return 1, false
	case "grep":
		return sh.grep(rest, stdin, stdout, stderr), false
	case "monit", "/var/vcap/bosh/bin/monit":
		return sh.monit(rest, stdout, stderr), false
	case apiserverHealthScript:
		return sh.health(stdout, stderr), false
	}
	if status, ok := sh.pksCommand(args, stdin, stdout, stderr); ok { // sim/pks_etcd.go
		return status, false
	}
	fmt.Fprintf(stderr, "sh: 1: %s: not found\n", name)
	return 127, false
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

// grep matches fixed strings: grep [-c] [-v] [-i] PATTERN [FILE...].
func (sh *shell) grep(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags, rest := splitFlags(args)
	if len(rest) == 0 {
		fmt.Fprintln(stderr, "Usage: grep [-civ] PATTERN [FILE]...")
		return 2
	}
	pat := rest[0]
	fold := strings.Contains(flags, "i")
	if fold {
		pat = strings.ToLower(pat)
	}
	var data []byte
	if len(rest) == 1 {
		data, _ = io.ReadAll(stdin)
	}
	for _, p := range rest[1:] {
		b, err := sh.h.fs.read(p)
		if err != nil {
			fmt.Fprintf(stderr, "grep: %s: %v\n", p, err)
			return 2
		}
		data = append(data, b...)
	}
	n := 0
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line == "" {
			continue
		}
		l := line
		if fold {
			l = strings.ToLower(l)
		}
		if strings.Contains(l, pat) != strings.Contains(flags, "v") {
			n++
			if !strings.Contains(flags, "c") {
				io.WriteString(stdout, strings.TrimSuffix(line, "\n")+"\n")
			}
		}
	}
	if strings.Contains(flags, "c") {
		fmt.Fprintln(stdout, n)
	}
	if n == 0 {
		return 1
	}
	return 0
}

// sha256Check is sha256sum -c: each line "HEX  FILE" must match.
func (sh *shell) sha256Check(files []string, stdin io.Reader, stdout, stderr io.Writer, quiet bool) int {
	var list []byte
	if len(files) == 0 {
		list, _ = io.ReadAll(stdin)
	}
	for _, f := range files {
		b, err := sh.h.fs.read(f)
		if err != nil {
			fmt.Fprintf(stderr, "sha256sum: %s: %v\n", f, err)
			return 1
		}
		list = append(list, b...)
	}
	status, n := 0, 0
	for _, line := range strings.Split(string(list), "\n") {
		want, file, ok := strings.Cut(strings.TrimSpace(line), "  ")
		if !ok {
			continue
		}
		n++
		b, err := sh.h.fs.read(file)
		sum := sha256.Sum256(b)
		res := "OK"
		if err != nil || hex.EncodeToString(sum[:]) != want {
			res, status = "FAILED", 1
		}
		if !quiet {
			fmt.Fprintf(stdout, "%s: %s\n", file, res)
		}
	}
	if n == 0 {
		fmt.Fprintln(stderr, "sha256sum: no properly formatted checksum lines found")
		return 1
	}
	return status
}
