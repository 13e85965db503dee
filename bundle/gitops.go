package bundle

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// GitOpsOptions describe how a cluster should sync an artifact.
type GitOpsOptions struct {
	Name      string // object name prefix; default: the repository's last element
	Namespace string // namespace of the Flux objects or the Argo CD Application; default flux-system or argocd
	Interval  string // Flux reconcile interval; default 10m
	// PublicKey is the cosign public key PEM for Flux's spec.verify; Flux
	// output without it has no verification.
	PublicKey []byte
	// Semver selects the newest tag matching a range instead of a fixed tag.
	Semver string
	// Insecure syncs from a plain-HTTP registry.
	Insecure bool

	// Flux registry authentication: Provider (generic, aws, azure, gcp) for
	// the cloud's workload identity, or SecretRef, an existing
	// kubernetes.io/dockerconfigjson Secret in Namespace.
	Provider  string
	SecretRef string

	// Argo CD: the AppProject, the destination cluster (by API server URL or
	// by registered name) and the repository Secret for a private registry.
	Project    string
	DestServer string
	DestName   string
	// RepoSecret adds the repository Secret Argo CD reads registry
	// credentials from; RepoUsername goes into it. Passwords never do: the
	// header says how to add one.
	RepoSecret   bool
	RepoUsername string
}

var (
	dnsLabelInvalid = regexp.MustCompile(`[^a-z0-9-]+`)
	dnsLabel        = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	dnsSubdomain    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
	// fluxDuration is the pattern Flux's CRDs give every interval field.
	fluxDuration = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)
)

// FluxProviders are the values of OCIRepository spec.provider.
var FluxProviders = []string{"generic", "aws", "azure", "gcp"}

const (
	defaultInterval   = "10m"
	defaultDestServer = "https://kubernetes.default.svc"
)

func (o *GitOpsOptions) name(loc *Location) string {
	if o.Name != "" {
		return o.Name
	}
	last := loc.Repository[strings.LastIndex(loc.Repository, "/")+1:]
	n := strings.Trim(dnsLabelInvalid.ReplaceAllString(strings.ToLower(last), "-"), "-")
	if n == "" {
		n = "policies"
	}
	// Suffixes such as "-constraints" and "-cosign-pub" must still fit a label.
	if len(n) > 40 {
		n = strings.TrimRight(n[:40], "-")
	}
	return n
}

func invalidf(format string, a ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, a...)}
}

// validate checks what both outputs share, so a typo fails here rather than
// as an object the API server or the controller rejects later.
func (o *GitOpsOptions) validate() error {
	if o.Name != "" && (!dnsLabel.MatchString(o.Name) || len(o.Name) > 40) {
		return invalidf("--name %q: expected a lowercase DNS label of at most 40 characters (object names add suffixes)", o.Name)
	}
	if o.Namespace != "" && !dnsLabel.MatchString(o.Namespace) {
		return invalidf("--namespace %q: expected a lowercase DNS label", o.Namespace)
	}
	return nil
}

func gitopsLocation(ref string, o GitOpsOptions) (*Location, error) {
	loc, err := ParseLocation(ref)
	if err != nil {
		return nil, err
	}
	if !loc.IsRegistry() {
		return nil, invalidf("%s: clusters pull from a registry; give oci://host/repository:tag", ref)
	}
	if len(loc.Tags) > 1 {
		return nil, invalidf("%s: give one tag", ref)
	}
	if loc.Digest == "" && len(loc.Tags) == 0 && o.Semver == "" {
		// Following whatever was pushed last is a choice, not a default:
		// the cluster would enforce a policy nobody reviewed for it.
		return nil, invalidf("%s: no tag or digest; give :TAG, @sha256:DIGEST or --semver RANGE (to follow the latest push, say :latest)", ref)
	}
	if loc.Digest != "" && o.Semver != "" {
		return nil, invalidf("%s: --semver and a digest both select the artifact; give one", ref)
	}
	return loc, o.validate()
}

// FluxManifests renders what Flux needs to sync and verify the artifact:
// the cosign public key Secret, an OCIRepository with spec.verify, and two
// Kustomizations so constraints are only applied once the templates (and
// the CRDs Gatekeeper creates from them) are ready.
func FluxManifests(ref string, o GitOpsOptions) ([]byte, error) {
	loc, err := gitopsLocation(ref, o)
	if err != nil {
		return nil, err
	}
	if o.Project != "" || o.DestServer != "" || o.DestName != "" || o.RepoSecret || o.RepoUsername != "" {
		return nil, invalidf("--project, --dest-server, --dest-name, --repo-secret and --username are Argo CD settings; Flux uses --provider or --secret-ref")
	}
	interval := o.Interval
	if interval == "" {
		interval = defaultInterval
	}
	if !fluxDuration.MatchString(interval) {
		return nil, invalidf("--interval %q: expected a duration such as 10m, 1h or 30s", interval)
	}
	provider := o.Provider
	if provider != "" && !contains(FluxProviders, provider) {
		return nil, invalidf("--provider %q: expected one of %s", provider, strings.Join(FluxProviders, ", "))
	}
	if o.SecretRef != "" {
		if !dnsSubdomain.MatchString(o.SecretRef) {
			return nil, invalidf("--secret-ref %q: expected the name of a Secret (lowercase DNS subdomain)", o.SecretRef)
		}
		if provider != "" && provider != "generic" {
			// source-controller asks the provider only when no secretRef
			// gives credentials; both would silently ignore the provider.
			return nil, invalidf("--secret-ref and --provider %s: Flux uses the provider's workload identity only without a secretRef; give one of them", provider)
		}
	}
	name, ns := o.name(loc), o.Namespace
	if ns == "" {
		ns = "flux-system"
	}
	ociRef := map[string]any{}
	var pinned string
	switch {
	case loc.Digest != "":
		ociRef["digest"] = loc.Digest.String()
		pinned = "digest " + loc.Digest.String()
	case o.Semver != "":
		ociRef["semver"] = o.Semver
		pinned = "the newest tag in semver range " + o.Semver
	default:
		ociRef["tag"] = loc.Tags[0]
		pinned = "tag " + loc.Tags[0]
	}
	var docs []any
	spec := map[string]any{
		"interval": interval,
		"url":      Scheme + loc.Name(),
		"ref":      ociRef,
		// The bundle is the first and only layer; naming its type makes
		// Flux fail loudly if something else is ever pushed to the tag.
		"layerSelector": map[string]any{"mediaType": MediaTypeLayer, "operation": "extract"},
	}
	if o.Insecure {
		spec["insecure"] = true
	}
	if provider != "" && provider != "generic" {
		spec["provider"] = provider
	}
	if o.SecretRef != "" {
		spec["secretRef"] = map[string]any{"name": o.SecretRef}
	}
	keySecret := name + "-cosign-pub"
	if len(o.PublicKey) > 0 {
		docs = append(docs, map[string]any{
			"apiVersion": "v1",
			"kind":       "Secret",
			"metadata":   map[string]any{"name": keySecret, "namespace": ns},
			"type":       "Opaque",
			"stringData": map[string]any{"cosign.pub": string(o.PublicKey)},
		})
		spec["verify"] = map[string]any{"provider": "cosign", "secretRef": map[string]any{"name": keySecret}}
	}
	docs = append(docs, map[string]any{
		"apiVersion": "source.toolkit.fluxcd.io/v1",
		"kind":       "OCIRepository",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec":       spec,
	})
	kustomization := func(suffix, path string, extra map[string]any) map[string]any {
		s := map[string]any{
			"interval":  interval,
			"sourceRef": map[string]any{"kind": "OCIRepository", "name": name},
			"path":      path,
			"prune":     true,
			"wait":      true,
			"timeout":   "5m",
		}
		for k, v := range extra {
			s[k] = v
		}
		return map[string]any{
			"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
			"kind":       "Kustomization",
			"metadata":   map[string]any{"name": name + "-" + suffix, "namespace": ns},
			"spec":       s,
		}
	}
	docs = append(docs,
		kustomization("templates", "./templates", map[string]any{
			// A ConstraintTemplate is ready once Gatekeeper created its CRD.
			"healthCheckExprs": []any{map[string]any{
				"apiVersion": "templates.gatekeeper.sh/v1",
				"kind":       "ConstraintTemplate",
				"current":    "has(status.created) && status.created == true",
			}},
		}),
		kustomization("constraints", "./constraints", map[string]any{
			"dependsOn": []any{map[string]any{"name": name + "-templates"}},
		}),
	)
	var h strings.Builder
	fmt.Fprintf(&h, "# Flux: sync %s%s (%s) into Gatekeeper: ./templates, then ./constraints.\n", Scheme, loc.Name(), pinned)
	if len(o.PublicKey) > 0 {
		fmt.Fprintf(&h, "# Verified: source-controller checks the artifact's cosign signature against the\n"+
			"# public key in Secret %s/%s (spec.verify) and syncs nothing that fails.\n", ns, keySecret)
	} else {
		fmt.Fprintf(&h, "# NOT VERIFIED: no --key was given, so spec.verify is not set and Flux applies\n"+
			"# whatever the registry serves for this reference, signed or not.\n")
	}
	switch {
	case o.SecretRef != "":
		fmt.Fprintf(&h, "# Registry credentials: the kubernetes.io/dockerconfigjson Secret %s/%s (not created here).\n", ns, o.SecretRef)
	case provider != "" && provider != "generic":
		fmt.Fprintf(&h, "# Registry credentials: %s workload identity of the source-controller service account.\n", provider)
	}
	return marshalDocs(h.String(), docs)
}

// ArgoManifests renders an Argo CD Application with the artifact as its OCI
// source. Argo CD does not verify cosign signatures of OCI sources, so the
// header says where verification has to happen instead.
func ArgoManifests(ref string, o GitOpsOptions) ([]byte, error) {
	loc, err := gitopsLocation(ref, o)
	if err != nil {
		return nil, err
	}
	if len(o.PublicKey) > 0 || o.Provider != "" || o.SecretRef != "" || o.Interval != "" {
		return nil, invalidf("--key, --provider, --secret-ref and --interval are Flux settings; Argo CD does not verify OCI signatures (run edict verify before promoting a tag) and reads credentials from --repo-secret")
	}
	if o.DestServer != "" && o.DestName != "" {
		return nil, invalidf("--dest-server and --dest-name both name the destination cluster; give one")
	}
	if o.DestServer != "" {
		if u, err := url.Parse(o.DestServer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, invalidf("--dest-server %q: expected the cluster's API server URL, such as %s", o.DestServer, defaultDestServer)
		}
	}
	project := o.Project
	if project == "" {
		project = "default"
	}
	if !dnsSubdomain.MatchString(project) {
		return nil, invalidf("--project %q: expected the name of an AppProject", project)
	}
	name, ns := o.name(loc), o.Namespace
	if ns == "" {
		ns = "argocd"
	}
	var revision, pinned string
	switch {
	case loc.Digest != "":
		revision, pinned = loc.Digest.String(), "digest "+loc.Digest.String()
	case o.Semver != "":
		revision, pinned = o.Semver, "the newest tag in semver range "+o.Semver
	default:
		revision, pinned = loc.Tags[0], "tag "+loc.Tags[0]
	}
	destination := map[string]any{}
	switch {
	case o.DestName != "":
		destination["name"] = o.DestName
	case o.DestServer != "":
		destination["server"] = o.DestServer
	default:
		destination["server"] = defaultDestServer
	}
	var docs []any
	repoSecret := name + "-repo"
	withSecret := o.RepoSecret || o.RepoUsername != "" || o.Insecure
	if withSecret {
		data := map[string]any{"name": name, "type": "oci", "url": Scheme + loc.Name()}
		if o.Insecure {
			data["insecureOCIForceHttp"] = "true"
		}
		if o.RepoUsername != "" {
			data["username"] = o.RepoUsername
		}
		docs = append(docs, map[string]any{
			"apiVersion": "v1",
			"kind":       "Secret",
			"metadata": map[string]any{
				"name": repoSecret, "namespace": ns,
				"labels": map[string]any{"argocd.argoproj.io/secret-type": "repository"},
			},
			"type":       "Opaque",
			"stringData": data,
		})
	}
	docs = append(docs, map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"project": project,
			"source": map[string]any{
				"repoURL":        Scheme + loc.Name(),
				"targetRevision": revision,
				"path":           ".",
			},
			"destination": destination,
			"syncPolicy": map[string]any{
				"automated": map[string]any{"prune": true, "selfHeal": true},
				// Constraints' CRDs appear only after Gatekeeper processed the
				// templates (sync wave -1); skip the dry run that would fail.
				"syncOptions": []any{"SkipDryRunOnMissingResource=true"},
				"retry": map[string]any{
					"limit":   5,
					"backoff": map[string]any{"duration": "10s", "factor": 2, "maxDuration": "3m"},
				},
			},
		},
	})
	var h strings.Builder
	fmt.Fprintf(&h, "# Argo CD (3.1+): sync %s%s (%s) into Gatekeeper; templates first (sync wave -1).\n", Scheme, loc.Name(), pinned)
	h.WriteString("# NOT VERIFIED by Argo CD: it does not check cosign signatures of OCI sources.\n" +
		"# Pin a digest that `edict verify` accepted, or verify in the pipeline before\n" +
		"# promoting the tag.\n")
	if o.RepoSecret || o.RepoUsername != "" {
		fmt.Fprintf(&h, "# Secret %s/%s holds no password: edict never writes credentials. Add the\n"+
			"# registry password or token as stringData.password from your secret store, or\n"+
			"#   kubectl -n %s patch secret %s -p '{\"stringData\":{\"password\":\"...\"}}'\n", ns, repoSecret, ns, repoSecret)
	}
	return marshalDocs(h.String(), docs)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func marshalDocs(header string, docs []any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		b, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
