package bosh

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"
)

// boshConfig is the part of the bosh CLI's config file (~/.bosh/config)
// that bosun reads. The layout is the bosh CLI's own: a list of
// environments, each with url, optional alias and ca_cert, and the saved
// login (username/password for basic auth, or UAA tokens).
type boshConfig struct {
	Environments []boshConfigEnv `yaml:"environments"`
	exists       bool
}

type boshConfigEnv struct {
	URL             string `yaml:"url"`
	CACert          string `yaml:"ca_cert"`
	Alias           string `yaml:"alias"`
	Username        string `yaml:"username"`
	Password        string `yaml:"password"`
	AccessTokenType string `yaml:"access_token_type"`
	AccessToken     string `yaml:"access_token"`
	RefreshToken    string `yaml:"refresh_token"`
}

// loadConfig reads the config file at path. A missing file is an empty
// config; an unreadable or malformed one is an error naming the path.
func loadConfig(path string) (boshConfig, error) {
	var cfg boshConfig
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, configErr(fmt.Sprintf("cannot read bosh config %s: %v", path, pathErrReason(err)))
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return boshConfig{}, configErr(fmt.Sprintf("malformed bosh config %s: %v", path, err))
	}
	cfg.exists = true
	for i, e := range cfg.Environments {
		if e.URL == "" {
			return boshConfig{}, configErr(fmt.Sprintf("malformed bosh config %s: environment %d has no url", path, i+1))
		}
	}
	return cfg, nil
}

// find returns the environment whose alias or URL is urlOrAlias: first an
// exact match as the bosh CLI does, then a match of the normalized URL, so
// that "10.0.0.6" finds "https://10.0.0.6:25555".
func (c boshConfig) find(urlOrAlias string) (boshConfigEnv, bool) {
	for _, e := range c.Environments {
		if e.URL == urlOrAlias || (e.Alias != "" && e.Alias == urlOrAlias) {
			return e, true
		}
	}
	want, err := NormalizeURL(urlOrAlias)
	if err != nil {
		return boshConfigEnv{}, false
	}
	for _, e := range c.Environments {
		if got, err := NormalizeURL(e.URL); err == nil && got == want {
			return e, true
		}
	}
	return boshConfigEnv{}, false
}

func (c boshConfig) aliases() []string {
	var out []string
	for _, e := range c.Environments {
		if e.Alias != "" {
			out = append(out, e.Alias)
		}
	}
	return out
}

// pathErrReason drops the path from an *fs.PathError, which callers name
// themselves.
func pathErrReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
