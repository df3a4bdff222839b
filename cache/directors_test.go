package cache

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"bosun/bosh"
)

func sampleInfo() bosh.Info {
	return bosh.Info{
		Name:            "p-bosh",
		UUID:            testUUID,
		Version:         "280.1.14 (00000000)",
		User:            "ops_manager",
		CPI:             "vsphere_cpi",
		StemcellOS:      "ubuntu-jammy",
		StemcellVersion: "1.651",
		AuthType:        "uaa",
		UAAURL:          "https://10.0.0.6:8443",
		Features:        map[string]bool{"dns": true, "config_server": true, "snapshots": false},
	}
}

func TestRememberDirectorRoundTrip(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.DirectorFor("https://10.0.0.6:25555"); !errors.Is(err, ErrNotCached) {
		t.Fatalf("unknown environment: err = %v, want ErrNotCached", err)
	}
	info := sampleInfo()
	if err := s.RememberDirector("https://10.0.0.6:25555", info, baseTime); err != nil {
		t.Fatal(err)
	}
	if err := s.RememberDirector("prod", info, baseTime.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.DirectorFor("https://10.0.0.6:25555")
	if err != nil || !at.Equal(baseTime) || !reflect.DeepEqual(got, info) {
		t.Errorf("DirectorFor(url) = %+v, %v, %v; want %+v at %v", got, at, err, info, baseTime)
	}
	if _, at, err := s.DirectorFor("prod"); err != nil || !at.Equal(baseTime.Add(time.Minute)) {
		t.Errorf("DirectorFor(alias) at %v, %v", at, err)
	}

	// The director behind an environment changes: the newer record wins.
	newer := info
	newer.UUID = "0d6f1e7a-1111-4c2b-8e9f-3a4b5c6d7e8f"
	newer.Features = nil
	newer.AuthType = "basic"
	newer.UAAURL = ""
	if err := s.RememberDirector("https://10.0.0.6:25555", newer, baseTime.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, at, err = s.DirectorFor("https://10.0.0.6:25555")
	if err != nil || !at.Equal(baseTime.Add(time.Hour)) || !reflect.DeepEqual(got, newer) {
		t.Errorf("after update: %+v, %v, %v; want %+v", got, at, err, newer)
	}
}

func TestRememberDirectorDropsCredentialsFromURLs(t *testing.T) {
	s := openTemp(t)
	info := sampleInfo()
	info.UAAURL = "https://uaa-admin:uaa-s3cr3t@10.0.0.6:8443"
	if err := s.RememberDirector("https://admin:hunter2@10.0.0.6:25555", info, baseTime); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"https://10.0.0.6:25555", "https://admin:hunter2@10.0.0.6:25555"} {
		got, _, err := s.DirectorFor(env)
		if err != nil {
			t.Fatalf("DirectorFor(%q): %v", env, err)
		}
		if got.UAAURL != "https://10.0.0.6:8443" {
			t.Errorf("UAA URL stored as %q", got.UAAURL)
		}
	}
	assertFileLacks(t, s, "hunter2", "uaa-s3cr3t")
}

func TestWithoutUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"https://10.0.0.6:25555":                "https://10.0.0.6:25555",
		"https://admin:pw@10.0.0.6:25555":       "https://10.0.0.6:25555",
		"https://admin@10.0.0.6:25555/x?y=1":    "https://10.0.0.6:25555/x?y=1",
		"https://a:p%zz@host:25555":             "https://host:25555",
		"admin:pw@10.0.0.6:25555":               "10.0.0.6:25555",
		"10.0.0.6:25555":                        "10.0.0.6:25555",
		"prod":                                  "prod",
		"https://director.example.com/p@th":     "https://director.example.com/p@th",
		"https://u:p@director.example.com/p@th": "https://director.example.com/p@th",
	} {
		if got := withoutUserinfo(in); got != want {
			t.Errorf("withoutUserinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRememberDirectorRefusesBadInput(t *testing.T) {
	s := openTemp(t)
	noUUID := sampleInfo()
	noUUID.UUID = ""
	for name, call := range map[string]func() error{
		"empty env":  func() error { return s.RememberDirector("  ", sampleInfo(), baseTime) },
		"empty uuid": func() error { return s.RememberDirector("prod", noUUID, baseTime) },
		"zero time":  func() error { return s.RememberDirector("prod", sampleInfo(), time.Time{}) },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := s.DirectorFor("prod"); !errors.Is(err, ErrNotCached) {
		t.Errorf("refused input was stored: %v", err)
	}
}
