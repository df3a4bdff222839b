package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"bosun/bosh"
	"bosun/cache"
)

// infoReport is the JSON shape of `bosun info`.
type infoReport struct {
	Version       string     `json:"version"`
	GoVersion     string     `json:"go_version"`
	Environment   string     `json:"environment"`
	DirectorURL   string     `json:"director_url"`
	Director      *bosh.Info `json:"director"`
	DirectorError *string    `json:"director_error"` // null when the director answered
	FromCache     bool       `json:"from_cache"`
	BoshConfig    string     `json:"bosh_config"`
	CachePath     string     `json:"cache_path"`
	CacheError    *string    `json:"cache_error"` // null when the cache opened
	LogPath       string     `json:"log_path"`
}

func newInfoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show versions, the director, and the config, cache and log paths",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openSession(g)
			if err != nil {
				return err
			}
			defer s.close()
			r := infoReport{
				Version: version, GoVersion: runtime.Version(),
				Environment: s.EnvName, DirectorURL: s.Target.URL,
				BoshConfig: s.Target.ConfigPath, LogPath: logPath(),
			}
			r.CachePath, _ = cache.DefaultPath()
			if s.CacheErr != nil {
				r.CacheError = optString(oneLine(s.CacheErr.Error()))
			}
			info, _, err := s.DirectorInfo(cmd.Context(), g.offline)
			if err == nil && !g.offline && s.Client != nil {
				info, err = s.Client.Info(cmd.Context()) // the user bosun acts as, asked
			}
			if err != nil {
				r.DirectorError = optString(oneLine(err.Error()))
			} else {
				r.Director, r.FromCache = &info, g.offline
			}
			if g.jsonOut {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			writeInfo(cmd.OutOrStdout(), r)
			return nil
		},
	}
}

func writeInfo(w io.Writer, r infoReport) {
	fmt.Fprintf(w, "bosun        %s (%s)\n", r.Version, r.GoVersion)
	fmt.Fprintf(w, "environment  %s (%s)\n", r.Environment, r.DirectorURL)
	if r.Director != nil {
		d := r.Director
		src := "live"
		if r.FromCache {
			src = "cached"
		}
		fmt.Fprintf(w, "director     %s %s, uuid %s, cpi %s (%s)\n", d.Name, d.Version, d.UUID, dash(d.CPI), src)
		fmt.Fprintf(w, "auth         %s, user %s\n", d.AuthType, dash(d.User))
	} else {
		fmt.Fprintf(w, "director     %s\n", deref(r.DirectorError))
	}
	fmt.Fprintf(w, "bosh config  %s\n", dash(r.BoshConfig))
	fmt.Fprintf(w, "cache        %s\n", r.CachePath)
	if r.CacheError != nil {
		fmt.Fprintf(w, "             %s\n", *r.CacheError)
	}
	fmt.Fprintf(w, "log          %s\n", r.LogPath)
}

// logPath is where bosun writes its log: $XDG_STATE_HOME/bosun/bosun.log.
func logPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "bosun", "bosun.log")
}
