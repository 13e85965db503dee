package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/edict-policy/edict/bundle"
)

func newGitopsCmd() *cobra.Command {
	var o bundle.GitOpsOptions
	var key, templates string
	cmd := &cobra.Command{
		Use:   "gitops flux|argo REF [REF...]",
		Short: "Print the cluster manifests that sync a pushed bundle with Flux or Argo CD",
		Long: `Gitops prints what a cluster needs to sync the artifact at REF
(oci://host/repository:tag, or @sha256:... to pin a digest). A REF without a tag
or digest is an error unless --semver is given: write :latest to follow the last
push on purpose.

flux: an OCIRepository (source.toolkit.fluxcd.io/v1) and two Kustomizations
      (kustomize.toolkit.fluxcd.io/v1): ./templates, then ./constraints with
      dependsOn, so constraints wait for Gatekeeper to create their CRDs. With
      --key, a Secret with the cosign public key and spec.verify, so Flux syncs
      only signed artifacts; without it the header says that nothing is verified.
      Private registries: --provider azure|aws|gcp (workload identity) or
      --secret-ref NAME (an existing kubernetes.io/dockerconfigjson Secret).
argo: an Argo CD (3.1+) Application with the OCI source at path ".". Templates
      carry sync-wave -1 and constraints SkipDryRunOnMissingResource. Argo CD
      does not verify signatures of OCI sources: verify with edict verify in the
      pipeline. --repo-secret adds the repository Secret (type oci) Argo CD reads
      registry credentials from; edict never writes the password into it.

Several initiatives in one cluster: give every initiative bundle as a REF and
the templates bundle made with ` + "`edict build --templates-bundle`" + ` as --templates.
The templates bundle alone then owns templates and expansion templates, and
each initiative bundle syncs only its constraints, after the templates: Flux
Kustomizations with dependsOn, Argo CD Applications in sync waves -1 and 0. No
object belongs to two Kustomizations or Applications, so none fights over it
or prunes what another still needs. Several REFs without --templates is an
error: their bundles would all own the same templates.`,
		Example: `  # Flux, verified, from a private Azure Container Registry with workload identity
  edict gitops flux oci://contoso.azurecr.io/policies/contoso-prod:2.3.0 --key cosign.pub --provider azure > clusters/prod/policies.yaml

  # Flux following 2.x releases, with a pull secret
  edict gitops flux oci://ghcr.io/contoso/policies --semver '>=2.0.0 <3.0.0' --key cosign.pub --secret-ref ghcr-pull

  # Two initiatives in one cluster, sharing one templates bundle
  edict gitops flux --templates oci://ghcr.io/contoso/policy-templates:1.4.0 \
      oci://ghcr.io/contoso/platform:2.3.0 oci://ghcr.io/contoso/team-a:1.1.0 --key cosign.pub

  # Argo CD, pinned by digest, into a registered cluster, with repository credentials
  edict gitops argo oci://ghcr.io/contoso/policies@sha256:... --project platform --dest-name prod-eu --repo-secret --username ci-bot`,
		Args:      cobra.MinimumNArgs(2),
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
				out, err = gitopsManifests(templates, args[1:], o, bundle.FluxManifests, bundle.FluxSharedManifests)
			case "argo":
				if key != "" {
					return withExit(ExitUsage, &bundle.InvalidError{Reason: "--key: Argo CD does not verify signatures of OCI sources; run edict verify (or edict pull --verify-key) in the pipeline before promoting a tag"})
				}
				out, err = gitopsManifests(templates, args[1:], o, bundle.ArgoManifests, bundle.ArgoSharedManifests)
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
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "object name (default: the repository's last path element)")
	f.StringVar(&o.Namespace, "namespace", "", "namespace of the Flux objects or the Argo CD Application (default flux-system or argocd)")
	f.StringVar(&templates, "templates", "", "the templates bundle (edict build --templates-bundle) that serves every REF in one cluster")
	f.StringVar(&o.Semver, "semver", "", "follow the newest tag in this semver range instead of a fixed tag")
	f.BoolVar(&o.Insecure, "insecure", false, "the registry is served over plain HTTP")
	// Flux
	f.StringVar(&key, "key", "", "Flux: cosign public key for spec.verify")
	f.StringVar(&o.Interval, "interval", "", "Flux: reconcile interval (default 10m)")
	f.StringVar(&o.Provider, "provider", "", "Flux: registry authentication by workload identity: "+strings.Join(bundle.FluxProviders, "|"))
	f.StringVar(&o.SecretRef, "secret-ref", "", "Flux: existing kubernetes.io/dockerconfigjson Secret with registry credentials")
	// Argo CD
	f.StringVar(&o.Project, "project", "", "Argo CD: AppProject of the Application (default default)")
	f.StringVar(&o.DestServer, "dest-server", "", "Argo CD: destination cluster API server URL (default https://kubernetes.default.svc)")
	f.StringVar(&o.DestName, "dest-name", "", "Argo CD: destination cluster by its registered name (instead of --dest-server)")
	f.BoolVar(&o.RepoSecret, "repo-secret", false, "Argo CD: add the repository Secret for a private OCI registry (no password is written)")
	f.StringVar(&o.RepoUsername, "username", "", "Argo CD: registry user name for the repository Secret (implies --repo-secret)")
	return cmd
}

// tooManyBundles refuses several bundles without a templates bundle.
func tooManyBundles(refs []string) error {
	return &bundle.InvalidError{Reason: fmt.Sprintf("%d bundles without --templates: each carries its own copy of the templates they share, and synced side by side they would fight over them; build with --templates-bundle NAME:VERSION, push it, and pass it as --templates", len(refs))}
}

// gitopsManifests renders one bundle's wiring, or several bundles' with
// their templates bundle.
func gitopsManifests(templates string, refs []string, o bundle.GitOpsOptions,
	one func(string, bundle.GitOpsOptions) ([]byte, error),
	shared func(string, []string, bundle.GitOpsOptions) ([]byte, error),
) ([]byte, error) {
	switch {
	case templates != "":
		return shared(templates, refs, o)
	case len(refs) > 1:
		return nil, tooManyBundles(refs)
	}
	return one(refs[0], o)
}
