package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionReport is `bosun version --json`.
type versionReport struct {
	Version   string  `json:"version"`
	Commit    *string `json:"commit"` // null when the binary was built outside a git checkout
	Modified  bool    `json:"modified"`
	GoVersion string  `json:"go_version"`
	BoshCLI   *string `json:"bosh_cli"` // the github.com/cloudfoundry/bosh-cli/v7 module bosun is built with
}

const boshCLIModule = "github.com/cloudfoundry/bosh-cli/v7"

// buildVersion reads what the binary says of itself.
func buildVersion() versionReport {
	r := versionReport{Version: version, GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return r
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			r.Commit = optString(s.Value)
		case "vcs.modified":
			r.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		if d.Path == boshCLIModule {
			v := d.Version
			if d.Replace != nil {
				v = d.Replace.Version
			}
			r.BoshCLI = optString(v)
		}
	}
	return r
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show bosun's version, commit, Go version and bosh-cli package version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := buildVersion()
			if g.jsonOut {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return writeVersion(cmd.OutOrStdout(), r)
		},
	}
}

func writeVersion(w io.Writer, r versionReport) error {
	commit := "unknown"
	if r.Commit != nil {
		commit = *r.Commit
		if r.Modified {
			commit += " (modified)"
		}
	}
	_, err := fmt.Fprintf(w, "bosun %s\ncommit    %s\ngo        %s\nbosh-cli  %s\n", r.Version, commit, r.GoVersion, deref(r.BoshCLI))
	return err
}
