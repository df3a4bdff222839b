package cli

import (
	"github.com/spf13/pflag"
)

func addPKSFlags(f *pflag.FlagSet, g *globals) {
	f.StringVar(&g.pks.API, "pks-api", "", "PKS/TKGI API URL or host, port 9021 by default (env PKS_API)")
	f.StringVar(&g.pks.UAA, "pks-uaa", "", "PKS UAA URL, default the API host on port 8443 (env PKS_UAA_URL)")
	f.StringVar(&g.pks.User, "pks-user", "", "PKS user for the pks_cli password grant (env PKS_USER)")
	f.StringVar(&g.pks.Password, "pks-password", "", "PKS user's password (env PKS_PASSWORD)")
	f.StringVar(&g.pks.CACert, "pks-ca-cert", "", "PKS API CA certificate: path or PEM text (env PKS_CA_CERT)")
}
