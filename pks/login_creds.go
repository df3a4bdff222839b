package pks

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// savedCreds is what `pks login` / `tkgi login` leave behind. The docs
// confirm only access_token (`bosh int ~/.pks/creds.yml --path
// /access_token`); the other keys are read when present and spelled as
// the CLI's flags are. bosun never writes this file.
type savedCreds struct {
	API          string
	AccessToken  string
	RefreshToken string
	CACert       string
}

// credsFiles are where the CLIs keep their session, in the order read.
var credsFiles = []string{".pks/creds.yml", ".tkgi/creds.yml"}

// loadSavedCreds reads the first creds file that exists. A file that
// exists but does not parse is an error: silently ignoring it would log
// in as someone else.
func loadSavedCreds(home string) (savedCreds, string, error) {
	if home == "" {
		return savedCreds{}, "", nil
	}
	for _, rel := range credsFiles {
		path := filepath.Join(home, rel)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return savedCreds{}, "", configErr("cannot read %s: %v", path, unwrapPath(err))
		}
		var raw map[string]any
		if err := yaml.Unmarshal(data, &raw); err != nil {
			return savedCreds{}, "", configErr("%s is not YAML: %v", path, err)
		}
		str := func(keys ...string) string {
			for _, k := range keys {
				if s, ok := raw[k].(string); ok && s != "" {
					return s
				}
			}
			return ""
		}
		c := savedCreds{
			API:          str("api", "api_url", "api_hostname"),
			AccessToken:  str("access_token"),
			RefreshToken: str("refresh_token"),
			CACert:       str("ca_cert", "ca-cert"),
		}
		if c.AccessToken == "" && c.RefreshToken == "" {
			continue
		}
		return c, path, nil
	}
	return savedCreds{}, "", nil
}
