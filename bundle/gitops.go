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
	f, err := newFluxWriter(o)
	if err != nil {
		return nil, err
	}
	name := o.name(loc)
	pinned := f.source(loc, name, name+"-cosign-pub")
	f.docs = append(f.docs,
		f.kustomization(name, name+"-templates", "./templates", templatesReady()),
		f.kustomization(name, name+"-constraints", "./constraints", map[string]any{
			"dependsOn": []any{map[string]any{"name": name + "-templates"}},
		}),
	)
	var h strings.Builder
	fmt.Fprintf(&h, "# Flux: sync %s%s (%s) into Gatekeeper: ./templates, then ./constraints.\n", Scheme, loc.Name(), pinned)
	f.header(&h, name+"-cosign-pub")
	return marshalDocs(h.String(), f.docs)
}

// FluxSharedManifests wires several initiative bundles into one cluster:
// the templates bundle at templatesRef (edict build --templates-bundle) is
// the only owner of templates and expansion templates, and each bundle of
// refs is synced from its ./constraints folder once those are ready. No
// object then belongs to two Kustomizations, so none fights over or prunes
// another's.
func FluxSharedManifests(templatesRef string, refs []string, o GitOpsOptions) ([]byte, error) {
	if o.Name != "" {
		return nil, invalidf("--name names one bundle's objects; with --templates each object is named after its repository")
	}
	f, err := newFluxWriter(o)
	if err != nil {
		return nil, err
	}
	locs, names, err := sharedLocations(templatesRef, refs, o)
	if err != nil {
		return nil, err
	}
	tname := names[0]
	keySecret := tname + "-cosign-pub"
	var h strings.Builder
	fmt.Fprintf(&h, "# Flux: %d initiative bundles in one cluster. The templates bundle %s%s\n", len(refs), Scheme, locs[0].Name())
	fmt.Fprintf(&h, "# (%s) alone owns the templates; each initiative bundle syncs only ./constraints,\n", f.source(locs[0], tname, keySecret))
	h.WriteString("# after the templates are ready (dependsOn).\n")
	f.docs = append(f.docs, f.kustomization(tname, tname+"-templates", "./templates", templatesReady()))
	for i, loc := range locs[1:] {
		name := names[i+1]
		pinned := f.source(loc, name, keySecret)
		fmt.Fprintf(&h, "#   %s%s (%s)\n", Scheme, loc.Name(), pinned)
		f.docs = append(f.docs, f.kustomization(name, name+"-constraints", "./constraints", map[string]any{
			"dependsOn": []any{map[string]any{"name": tname + "-templates"}},
		}))
	}
	f.header(&h, keySecret)
	return marshalDocs(h.String(), f.docs)
}

// sharedLocations parses the templates bundle's reference and the
// initiative bundles' ones, and names each after its repository; two
// references that would get one name are refused.
func sharedLocations(templatesRef string, refs []string, o GitOpsOptions) ([]*Location, []string, error) {
	if len(refs) == 0 {
		return nil, nil, invalidf("--templates: give the initiative bundles it serves too")
	}
	all := append([]string{templatesRef}, refs...)
	locs := make([]*Location, len(all))
	names := make([]string, len(all))
	seen := map[string]string{}
	for i, ref := range all {
		loc, err := gitopsLocation(ref, o)
		if err != nil {
			return nil, nil, err
		}
		locs[i], names[i] = loc, o.name(loc)
		if prev, dup := seen[names[i]]; dup {
			return nil, nil, invalidf("%s and %s would both be named %s in the cluster; push bundles to repositories whose last path elements differ", prev, ref, names[i])
		}
		seen[names[i]] = ref
	}
	return locs, names, nil
}

// fluxWriter collects Flux objects that share one namespace, interval,
// registry authentication and verification key.
type fluxWriter struct {
	o        GitOpsOptions
	ns       string
	interval string
	provider string
	docs     []any
	keyDone  bool
}

func newFluxWriter(o GitOpsOptions) (*fluxWriter, error) {
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
	ns := o.Namespace
	if ns == "" {
		ns = "flux-system"
	}
	return &fluxWriter{o: o, ns: ns, interval: interval, provider: provider}, nil
}

// source adds the OCIRepository of loc (and, the first time, the Secret
// holding the cosign public key) and says what the reference pins.
func (f *fluxWriter) source(loc *Location, name, keySecret string) (pinned string) {
	o := f.o
	ociRef := map[string]any{}
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
	spec := map[string]any{
		"interval": f.interval,
		"url":      Scheme + loc.Name(),
		"ref":      ociRef,
		// The bundle is the first and only layer; naming its type makes
		// Flux fail loudly if something else is ever pushed to the tag.
		"layerSelector": map[string]any{"mediaType": MediaTypeLayer, "operation": "extract"},
	}
	if o.Insecure {
		spec["insecure"] = true
	}
	if f.provider != "" && f.provider != "generic" {
		spec["provider"] = f.provider
	}
	if o.SecretRef != "" {
		spec["secretRef"] = map[string]any{"name": o.SecretRef}
	}
	if len(o.PublicKey) > 0 {
		if !f.keyDone {
			f.docs = append(f.docs, map[string]any{
				"apiVersion": "v1",
				"kind":       "Secret",
				"metadata":   map[string]any{"name": keySecret, "namespace": f.ns},
				"type":       "Opaque",
				"stringData": map[string]any{"cosign.pub": string(o.PublicKey)},
			})
			f.keyDone = true
		}
		spec["verify"] = map[string]any{"provider": "cosign", "secretRef": map[string]any{"name": keySecret}}
	}
	f.docs = append(f.docs, map[string]any{
		"apiVersion": "source.toolkit.fluxcd.io/v1",
		"kind":       "OCIRepository",
		"metadata":   map[string]any{"name": name, "namespace": f.ns},
		"spec":       spec,
	})
	return pinned
}

// kustomization is a Flux Kustomization applying one folder of the
// artifact synced by the OCIRepository named source.
func (f *fluxWriter) kustomization(source, name, path string, extra map[string]any) map[string]any {
	s := map[string]any{
		"interval":  f.interval,
		"sourceRef": map[string]any{"kind": "OCIRepository", "name": source},
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
		"metadata":   map[string]any{"name": name, "namespace": f.ns},
		"spec":       s,
	}
}

// templatesReady makes the templates Kustomization ready only once
// Gatekeeper created each template's CRD.
func templatesReady() map[string]any {
	return map[string]any{
		"healthCheckExprs": []any{map[string]any{
			"apiVersion": "templates.gatekeeper.sh/v1",
			"kind":       "ConstraintTemplate",
			"current":    "has(status.created) && status.created == true",
		}},
	}
}

// header tells the truth about verification and credentials.
func (f *fluxWriter) header(h *strings.Builder, keySecret string) {
	o, ns := f.o, f.ns
	if len(o.PublicKey) > 0 {
		fmt.Fprintf(h, "# Verified: source-controller checks the artifact's cosign signature against the\n"+
			"# public key in Secret %s/%s (spec.verify) and syncs nothing that fails.\n", ns, keySecret)
	} else {
		fmt.Fprintf(h, "# NOT VERIFIED: no --key was given, so spec.verify is not set and Flux applies\n"+
			"# whatever the registry serves for this reference, signed or not.\n")
	}
	switch {
	case o.SecretRef != "":
		fmt.Fprintf(h, "# Registry credentials: the kubernetes.io/dockerconfigjson Secret %s/%s (not created here).\n", ns, o.SecretRef)
	case f.provider != "" && f.provider != "generic":
		fmt.Fprintf(h, "# Registry credentials: %s workload identity of the source-controller service account.\n", f.provider)
	}
}

// ArgoManifests renders an Argo CD Application with the artifact as its OCI
// source. Argo CD does not verify cosign signatures of OCI sources, so the
// header says where verification has to happen instead.
func ArgoManifests(ref string, o GitOpsOptions) ([]byte, error) {
	loc, err := gitopsLocation(ref, o)
	if err != nil {
		return nil, err
	}
	a, err := newArgoWriter(o)
	if err != nil {
		return nil, err
	}
	name := o.name(loc)
	pinned := a.application(loc, name, ".", "")
	var h strings.Builder
	fmt.Fprintf(&h, "# Argo CD (3.1+): sync %s%s (%s) into Gatekeeper; templates first (sync wave -1).\n", Scheme, loc.Name(), pinned)
	a.header(&h)
	return marshalDocs(h.String(), a.docs)
}

// ArgoSharedManifests wires several initiative bundles into one cluster:
// an Application for the templates bundle at templatesRef (sync wave -1),
// the only owner of templates and expansion templates, and one per bundle
// of refs syncing only its constraints/ folder (sync wave 0).
func ArgoSharedManifests(templatesRef string, refs []string, o GitOpsOptions) ([]byte, error) {
	if o.Name != "" {
		return nil, invalidf("--name names one bundle's objects; with --templates each object is named after its repository")
	}
	a, err := newArgoWriter(o)
	if err != nil {
		return nil, err
	}
	locs, names, err := sharedLocations(templatesRef, refs, o)
	if err != nil {
		return nil, err
	}
	var h strings.Builder
	fmt.Fprintf(&h, "# Argo CD (3.1+): %d initiative bundles in one cluster. The templates bundle\n", len(refs))
	fmt.Fprintf(&h, "# %s%s (%s) alone owns the templates (sync wave -1);\n", Scheme, locs[0].Name(), a.application(locs[0], names[0], "templates", "-1"))
	h.WriteString("# each initiative bundle syncs only constraints/ (sync wave 0):\n")
	for i, loc := range locs[1:] {
		fmt.Fprintf(&h, "#   %s%s (%s)\n", Scheme, loc.Name(), a.application(loc, names[i+1], "constraints", "0"))
	}
	h.WriteString("# Argo CD orders Applications by sync wave when a parent Application (app of\n" +
		"# apps) syncs them; applied directly, the constraints' retries wait for the CRDs.\n")
	a.header(&h)
	return marshalDocs(h.String(), a.docs)
}

// argoWriter collects Argo CD objects that share one project, destination
// and namespace.
type argoWriter struct {
	o           GitOpsOptions
	ns          string
	project     string
	destination map[string]any
	docs        []any
	secrets     []string // repository Secrets written, by name
}

func newArgoWriter(o GitOpsOptions) (*argoWriter, error) {
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
	ns := o.Namespace
	if ns == "" {
		ns = "argocd"
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
	return &argoWriter{o: o, ns: ns, project: project, destination: destination}, nil
}

// application adds the Application syncing folder path of the artifact at
// loc (and its repository Secret when asked for), in sync wave wave when
// not empty, and says what the reference pins.
func (a *argoWriter) application(loc *Location, name, path, wave string) (pinned string) {
	o := a.o
	var revision string
	switch {
	case loc.Digest != "":
		revision, pinned = loc.Digest.String(), "digest "+loc.Digest.String()
	case o.Semver != "":
		revision, pinned = o.Semver, "the newest tag in semver range "+o.Semver
	default:
		revision, pinned = loc.Tags[0], "tag "+loc.Tags[0]
	}
	if o.RepoSecret || o.RepoUsername != "" || o.Insecure {
		repoSecret := name + "-repo"
		data := map[string]any{"name": name, "type": "oci", "url": Scheme + loc.Name()}
		if o.Insecure {
			data["insecureOCIForceHttp"] = "true"
		}
		if o.RepoUsername != "" {
			data["username"] = o.RepoUsername
		}
		a.docs = append(a.docs, map[string]any{
			"apiVersion": "v1",
			"kind":       "Secret",
			"metadata": map[string]any{
				"name": repoSecret, "namespace": a.ns,
				"labels": map[string]any{"argocd.argoproj.io/secret-type": "repository"},
			},
			"type":       "Opaque",
			"stringData": data,
		})
		if o.RepoSecret || o.RepoUsername != "" {
			a.secrets = append(a.secrets, repoSecret)
		}
	}
	metadata := map[string]any{"name": name, "namespace": a.ns}
	if wave != "" {
		metadata["annotations"] = map[string]any{"argocd.argoproj.io/sync-wave": wave}
	}
	a.docs = append(a.docs, map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata":   metadata,
		"spec": map[string]any{
			"project": a.project,
			"source": map[string]any{
				"repoURL":        Scheme + loc.Name(),
				"targetRevision": revision,
				"path":           path,
			},
			"destination": a.destination,
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
	return pinned
}

// header tells the truth about verification and credentials.
func (a *argoWriter) header(h *strings.Builder) {
	h.WriteString("# NOT VERIFIED by Argo CD: it does not check cosign signatures of OCI sources.\n" +
		"# Pin a digest that `edict verify` accepted, or verify in the pipeline before\n" +
		"# promoting the tag.\n")
	if len(a.secrets) == 0 {
		return
	}
	names := make([]string, len(a.secrets))
	for i, s := range a.secrets {
		names[i] = a.ns + "/" + s
	}
	subject := "Secret " + names[0] + " holds"
	if len(names) > 1 {
		subject = "Secrets " + strings.Join(names, ", ") + " hold"
	}
	fmt.Fprintf(h, "# %s no password: edict never writes credentials. Add the\n"+
		"# registry password or token as stringData.password from your secret store, or\n"+
		"#   kubectl -n %s patch secret %s -p '{\"stringData\":{\"password\":\"...\"}}'\n", subject, a.ns, a.secrets[0])
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
