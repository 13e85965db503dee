package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
)

func init() { register(newGitopsCmd) }

func newGitopsCmd() *cobra.Command {
	var o bundle.GitOpsOptions
	var key string
	cmd := &cobra.Command{
		Use:   "gitops flux|argo REF",
		Short: "Print the cluster manifests that sync a pushed bundle with Flux or Argo CD",
		Long: `Gitops prints what a cluster needs to sync the artifact at REF
(oci://host/repository:tag, or @digest to pin it).

flux: a Secret with the cosign public key (--key), an OCIRepository that verifies
      signatures with it, and two Kustomizations - ./templates, then ./constraints
      with dependsOn, so constraints wait for Gatekeeper to create their CRDs.
argo: an Argo CD (3.1+) Application with the OCI source at path ".". Templates carry
      sync-wave -1 and constraints SkipDryRunOnMissingResource. Argo CD does not
      verify signatures of OCI sources: verify with edict verify in the pipeline.`,
		Example: `  edict gitops flux oci://ghcr.io/contoso/policies:2.3.0 --key cosign.pub > clusters/prod/policies.yaml
  edict gitops argo oci://ghcr.io/contoso/policies@sha256:... --name contoso-policies`,
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"flux", "argo"},
		RunE: func(cmd *cobra.Command, args []string) error {
			var out []byte
			var err error
			switch args[0] {
			case "flux":
				if key != "" {
					if _, err := bundle.LoadPublicKey(key); err != nil {
						return err
					}
					if o.PublicKey, err = os.ReadFile(key); err != nil {
						return withExit(ExitIO, err)
					}
				}
				out, err = bundle.FluxManifests(args[1], o)
			case "argo":
				out, err = bundle.ArgoManifests(args[1], o)
			default:
				return withExit(ExitUsage, &bundle.InvalidError{Reason: "gitops: expected flux or argo, got " + args[0]})
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "cosign public key for Flux's spec.verify")
	cmd.Flags().StringVar(&o.Name, "name", "", "object name (default: the repository's last path element)")
	cmd.Flags().StringVar(&o.Namespace, "namespace", "", "namespace of the objects (default flux-system or argocd)")
	cmd.Flags().StringVar(&o.Interval, "interval", "", "Flux reconcile interval (default 10m)")
	cmd.Flags().StringVar(&o.Semver, "semver", "", "follow the newest tag in this semver range instead of a fixed tag")
	cmd.Flags().BoolVar(&o.Insecure, "insecure", false, "the registry is served over plain HTTP")
	return cmd
}
