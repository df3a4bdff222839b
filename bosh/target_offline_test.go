package bosh

import (
	"path/filepath"
	"testing"
)

// Offline resolution needs no CA, and keeps no secret or token: a CA file
// that is gone, or broken CA text, does not stop it.
func TestResolveOfflineReadsNoCANorSecrets(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".bosh", "config"), sampleConfig())
	gone := filepath.Join(home, "unmounted", "ca.pem")
	cases := []struct {
		name string
		o    Overrides
		env  map[string]string
		url  string
	}{
		{"alias, CA file gone", Overrides{Environment: "prod", CACert: gone}, nil, "https://10.0.0.6:25555"},
		{"URL, BOSH_CA_CERT gone, client secret", Overrides{}, map[string]string{
			"BOSH_ENVIRONMENT": "10.0.0.9", "BOSH_CA_CERT": gone, "BOSH_CLIENT": "ops", "BOSH_CLIENT_SECRET": "s3cret"}, "https://10.0.0.9:25555"},
		{"basic login, broken CA text", Overrides{Environment: "lab"}, map[string]string{
			"BOSH_CA_CERT": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "https://10.0.0.7:25555"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ResolveTarget(c.o, envOf(c.env), home); KindOf(err) != KindConfig {
				t.Fatalf("online resolution should still check the CA: err = %v", err)
			}
			tg, err := ResolveOfflineTarget(c.o, envOf(c.env), home)
			if err != nil {
				t.Fatal(err)
			}
			if tg.URL != c.url {
				t.Errorf("URL = %q, want %q", tg.URL, c.url)
			}
			if tg.CACert != "" || tg.ClientSecret != "" || tg.Password != "" || tg.AccessToken != "" || tg.RefreshToken != "" {
				t.Errorf("offline target holds a CA or a secret: %+v", tg)
			}
		})
	}
	// What the offline target still refuses: an unknown alias.
	if _, err := ResolveOfflineTarget(Overrides{Environment: "staging"}, envOf(nil), home); KindOf(err) != KindConfig {
		t.Errorf("unknown alias offline: err = %v", err)
	}
}
