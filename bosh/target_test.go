package bosh

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func indent(s, pre string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString(pre + l)
		}
	}
	return b.String()
}

// testPEM is a CA certificate for the config and CA-file cases.
var testPEM = newCAPEM()

// sampleConfig is ~/.bosh/config as `bosh alias-env` and `bosh log-in` write it.
func sampleConfig() string {
	return "environments:\n" +
		"- url: https://10.0.0.6:25555\n  alias: prod\n  ca_cert: |\n" + indent(testPEM, "    ") +
		"  access_token: acc-1\n  access_token_type: bearer\n  refresh_token: ref-1\n" +
		"- url: https://10.0.0.7:25555\n  alias: lab\n  username: admin\n  password: pw\n"
}

func TestResolveFromAliasInConfig(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".bosh", "config")
	writeFile(t, cfg, sampleConfig())
	tg, err := ResolveTarget(Overrides{}, envOf(map[string]string{"BOSH_ENVIRONMENT": "prod"}), home)
	if err != nil {
		t.Fatal(err)
	}
	if tg.URL != "https://10.0.0.6:25555" || tg.Alias != "prod" || tg.CACert != testPEM || tg.ConfigPath != cfg {
		t.Fatalf("target = %+v", tg)
	}
	if tg.AccessToken != "acc-1" || tg.AccessTokenType != "bearer" || tg.RefreshToken != "ref-1" || tg.Client != "" {
		t.Fatalf("saved session = %+v", tg)
	}
}

func TestResolveBasicLoginAndURLMatch(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".bosh", "config"), sampleConfig())
	// A bare host matches the saved https://10.0.0.7:25555.
	tg, err := ResolveTarget(Overrides{Environment: "10.0.0.7"}, envOf(nil), home)
	if err != nil {
		t.Fatal(err)
	}
	if tg.URL != "https://10.0.0.7:25555" || tg.Alias != "lab" || tg.Username != "admin" || tg.Password != "pw" {
		t.Fatalf("target = %+v", tg)
	}
}

func TestResolveFlagsBeatEnvBeatConfig(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".bosh", "config"), sampleConfig())
	caFile := filepath.Join(home, "ca.pem")
	writeFile(t, caFile, testPEM)
	env := envOf(map[string]string{
		"BOSH_ENVIRONMENT": "lab", "BOSH_CLIENT": "env-client", "BOSH_CLIENT_SECRET": "env-secret",
		"BOSH_CA_CERT": "/does/not/exist",
	})
	tg, err := ResolveTarget(Overrides{Environment: "prod", ClientSecret: "flag-secret", CACert: caFile}, env, home)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Alias != "prod" || tg.Client != "env-client" || tg.ClientSecret != "flag-secret" || tg.CACert != testPEM {
		t.Fatalf("target = %+v", tg)
	}
}

func TestResolveWithoutConfigFile(t *testing.T) {
	home := t.TempDir()
	env := envOf(map[string]string{"BOSH_ENVIRONMENT": "director.example.com", "BOSH_CA_CERT": testPEM, "BOSH_CLIENT": "ops", "BOSH_CLIENT_SECRET": "s"})
	tg, err := ResolveTarget(Overrides{}, env, home)
	if err != nil {
		t.Fatal(err)
	}
	if tg.URL != "https://director.example.com:25555" || tg.CACert != testPEM || tg.Client != "ops" || tg.ClientSecret != "s" || tg.Alias != "" {
		t.Fatalf("target = %+v", tg)
	}
	if _, err := os.Stat(filepath.Join(home, ".bosh")); !os.IsNotExist(err) {
		t.Fatal("resolving created ~/.bosh")
	}
}

func TestResolveBOSHConfigOverridesPath(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".bosh", "config"), "environments:\n- url: https://1.1.1.1\n  alias: prod\n")
	other := filepath.Join(home, "other.yml")
	writeFile(t, other, sampleConfig())
	tg, err := ResolveTarget(Overrides{Environment: "prod"}, envOf(map[string]string{"BOSH_CONFIG": other}), home)
	if err != nil {
		t.Fatal(err)
	}
	if tg.URL != "https://10.0.0.6:25555" || tg.ConfigPath != other {
		t.Fatalf("target = %+v", tg)
	}
	tg, err = ResolveTarget(Overrides{Environment: "prod"}, envOf(map[string]string{"BOSH_CONFIG": "~/other.yml"}), home)
	if err != nil || tg.ConfigPath != other {
		t.Fatalf("~ not expanded: %+v %v", tg, err)
	}
}

func TestResolveURLForms(t *testing.T) {
	cases := map[string]string{
		"10.0.0.6":                   "https://10.0.0.6:25555",
		"10.0.0.6:443":               "https://10.0.0.6:443",
		"https://10.0.0.6":           "https://10.0.0.6:25555",
		"https://bosh.example:25555": "https://bosh.example:25555",
		"localhost":                  "https://localhost:25555",
		"[::1]:25555":                "https://[::1]:25555",
	}
	for in, want := range cases {
		tg, err := ResolveTarget(Overrides{Environment: in}, envOf(nil), t.TempDir())
		if err != nil || tg.URL != want {
			t.Errorf("%q → %q, %v; want %q", in, tg.URL, err, want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".bosh", "config"), sampleConfig())
	notPEM := filepath.Join(home, "notpem")
	writeFile(t, notPEM, "hello\n")
	badYAML := filepath.Join(home, "bad.yml")
	writeFile(t, badYAML, "environments: [url: {\n")
	noURL := filepath.Join(home, "nourl.yml")
	writeFile(t, noURL, "environments:\n- alias: x\n")
	cases := []struct {
		name string
		o    Overrides
		env  map[string]string
		want string
	}{
		{"none", Overrides{}, nil, "no environment given: use -e/--environment or set BOSH_ENVIRONMENT"},
		{"unknown alias", Overrides{Environment: "staging"}, nil, `unknown environment alias "staging" (` + filepath.Join(home, ".bosh", "config") + " knows: prod, lab)"},
		{"alias without config", Overrides{Environment: "prod"}, map[string]string{"BOSH_CONFIG": filepath.Join(home, "missing")}, "does not exist"},
		{"unreadable CA", Overrides{Environment: "prod", CACert: filepath.Join(home, "nope.pem")}, nil, "cannot read CA certificate file " + filepath.Join(home, "nope.pem") + ": no such file or directory"},
		{"CA not PEM", Overrides{Environment: "prod", CACert: notPEM}, nil, "CA certificate file " + notPEM + ": no PEM certificate found"},
		{"CA text broken", Overrides{Environment: "prod"}, map[string]string{"BOSH_CA_CERT": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "CA certificate given as text"},
		{"malformed config", Overrides{Environment: "prod"}, map[string]string{"BOSH_CONFIG": badYAML}, "malformed bosh config " + badYAML},
		{"entry without url", Overrides{Environment: "x"}, map[string]string{"BOSH_CONFIG": noURL}, "malformed bosh config " + noURL + ": environment 1 has no url"},
		{"bad URL", Overrides{Environment: "https://host:notaport"}, nil, "not a director URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ResolveTarget(c.o, envOf(c.env), home)
			if KindOf(err) != KindConfig || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want KindConfig containing %q", err, c.want)
			}
		})
	}
}

func TestResolveUnreadableConfigNamesPath(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "cfgdir") // a directory cannot be read as a file
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := ResolveTarget(Overrides{Environment: "prod"}, envOf(map[string]string{"BOSH_CONFIG": dir}), home)
	if KindOf(err) != KindConfig || !strings.Contains(err.Error(), "cannot read bosh config "+dir) {
		t.Fatalf("err = %v", err)
	}
}
