package sim

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudfoundry/bosh-cli/v7/director"
	"github.com/cloudfoundry/bosh-cli/v7/uaa"
)

var (
	loginLineRe = regexp.MustCompile(`^# bosh log-in as a user .*: username (\S+), password (\S+)$`)
	readLineRe  = regexp.MustCompile(`^# read-only (?:client|user) \(bosh\.read\): BOSH_CLIENT=(\S+) BOSH_CLIENT_SECRET=(\S+)$`)
)

// serveOutput splits ServeSetup's lines into exports (name → value) and
// comment lines, failing on any other line or an export after a comment.
func serveOutput(t *testing.T, out string) (map[string]string, []string) {
	t.Helper()
	exports := map[string]string{}
	var comments []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			comments = append(comments, line)
		case strings.HasPrefix(line, "export ") && len(comments) == 0:
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			if _, dup := exports[k]; dup {
				t.Errorf("%s exported twice", k)
			}
			exports[k] = v
		default:
			t.Errorf("line %q: want export lines, then comment lines", line)
		}
	}
	return exports, comments
}

func matchLine(t *testing.T, comments []string, re *regexp.Regexp) []string {
	t.Helper()
	for _, c := range comments {
		if m := re.FindStringSubmatch(c); m != nil {
			return m
		}
	}
	t.Fatalf("no comment line like %s in:\n%s", re, strings.Join(comments, "\n"))
	return nil
}

func TestServeSetupPrintsIdentitiesAsComments(t *testing.T) {
	f := startSim(t, Options{})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	out, err := f.ServeSetup(ca)
	if err != nil {
		t.Fatal(err)
	}
	exports, comments := serveOutput(t, out)
	if exports["BOSH_CLIENT"] != f.ClientID() || exports["BOSH_CLIENT_SECRET"] != f.ClientSecret() || exports["BOSH_CA_CERT"] != ca {
		t.Errorf("exports changed the identity: %v", exports)
	}
	if b, err := os.ReadFile(ca); err != nil || string(b) != f.CACertPEM() {
		t.Errorf("CA file: %v", err)
	}

	login := matchLine(t, comments, loginLineRe)
	u := uaaFor(t, f, cliClient, "")
	tok, err := u.OwnerPasswordCredentialsGrant([]uaa.PromptAnswer{{Key: "username", Value: login[1]}, {Key: "password", Value: login[2]}})
	if err != nil {
		t.Fatalf("log-in with the printed user: %v", err)
	}
	d := directorWith(t, f, nil, func(c *director.FactoryConfig) {
		c.TokenFunc = uaa.NewAccessTokenSession(u, tok, &tokenStore{}, "sim").TokenFunc
	})
	if i, err := d.Info(); err != nil || i.User != login[1] {
		t.Errorf("info as the printed user: %+v %v", i, err)
	}

	read := matchLine(t, comments, readLineRe)
	if id, secret := f.ReadClient(); read[1] != id || read[2] != secret {
		t.Errorf("read-only client printed as %s/%s", read[1], read[2])
	}
	rd := directorWith(t, f, nil, func(c *director.FactoryConfig) {
		c.TokenFunc = uaa.NewClientTokenSession(uaaFor(t, f, read[1], read[2])).TokenFunc
	})
	if i, err := rd.Info(); err != nil || i.User != read[1] {
		t.Errorf("info as the printed read-only client: %+v %v", i, err)
	}
	if pu, pp := f.PKSReadUser(); !strings.Contains(out, "# PKS read-only user (pks.clusters.admin.read): username "+pu+", password "+pp+"\n") {
		t.Errorf("no PKS read-only user line:\n%s", out)
	}
}

func TestServeSetupBasicAuthUser(t *testing.T) {
	f := startSim(t, Options{Auth: "basic"})
	out, err := f.ServeSetup(filepath.Join(t.TempDir(), "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	_, comments := serveOutput(t, out)
	login := matchLine(t, comments, loginLineRe)
	d := directorWith(t, f, nil, func(c *director.FactoryConfig) { c.Client, c.ClientSecret = login[1], login[2] })
	if i, err := d.Info(); err != nil || i.User != login[1] {
		t.Errorf("info as the printed basic-auth user: %+v %v", i, err)
	}
	read := matchLine(t, comments, readLineRe)
	rd := directorWith(t, f, nil, func(c *director.FactoryConfig) { c.Client, c.ClientSecret = read[1], read[2] })
	if i, err := rd.Info(); err != nil || i.User != read[1] {
		t.Errorf("info as the printed read-only user: %+v %v", i, err)
	}
}

// Two simulators writing into one directory keep their own known_hosts.
func TestServeSetupFilesPerSimulator(t *testing.T) {
	dir := t.TempDir()
	sims := []*Foundation{startSim(t, Options{}), startSim(t, Options{})}
	var known []string
	for i, f := range sims {
		out, err := f.ServeSetup(filepath.Join(dir, "ca-"+itoa(i)+".pem"))
		if err != nil {
			t.Fatal(err)
		}
		exports, _ := serveOutput(t, out)
		path := exports["BOSUN_GW_KNOWN_HOSTS"]
		if filepath.Dir(path) != dir || filepath.Base(path) != f.KnownHostsFileName() {
			t.Errorf("simulator %d: known_hosts at %q", i, path)
		}
		known = append(known, path)
	}
	if known[0] == known[1] {
		t.Fatalf("both simulators wrote %s", known[0])
	}
	for i, f := range sims {
		want, err := f.GatewayKnownHostsLine()
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(known[i]); err != nil || string(b) != want {
			t.Errorf("simulator %d: %s holds %q (%v), want its own gateway %q", i, known[i], b, err, want)
		}
	}
}
