package azureimport

import (
	"fmt"
	"strings"
	"time"
)

// ownerKeys are the metadata fields teams use to say who asked for or
// approved an exemption, in the order the importer trusts them.
var ownerKeys = []string{"owner", "requestedBy", "approvedBy", "assignedBy", "createdBy"}

// exemption turns an Azure policy exemption into an edict exemption of the
// initiative's references. Azure exempts a resource (a whole cluster); edict
// exempts namespaces, so the import exempts every namespace and says so.
func (im *importer) exemption(e *object, initiative string, refs []*reference) map[string]any {
	name := firstNonEmpty(e.str("displayName"), e.name())
	target := initiative + " exemptions"
	var ids []string
	if azureRefs, ok := e.p["policyDefinitionReferenceIds"]; ok && !isEmptyValue(azureRefs) {
		list, ok := stringList(azureRefs)
		if !ok {
			im.report.addAt(e.loc("policyDefinitionReferenceIds"), Item{Kind: "exemption", Name: name, Status: NotMapped, Note: "policyDefinitionReferenceIds must be a list of reference ids"})
			return nil
		}
		for _, want := range list {
			found := false
			for _, r := range refs {
				if strings.EqualFold(r.AzureRef, want) {
					ids = append(ids, r.ID)
					found = true
				}
			}
			if !found {
				im.report.addAt(e.loc("policyDefinitionReferenceIds"), Item{Kind: "exemption", Name: name, Status: NotMapped, Target: target,
					Note: fmt.Sprintf("reference %q is not an imported member of the initiative", want)})
			}
		}
		if len(ids) == 0 {
			return nil
		}
	} else {
		for _, r := range refs {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	owner := ""
	if md, ok := e.p["metadata"].(map[string]any); ok {
		for _, k := range ownerKeys {
			if v, ok := lookupKey(md, k); ok {
				if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
					owner = strings.TrimSpace(s)
					break
				}
			}
		}
	}
	if owner == "" {
		owner = im.opts.Owner
	}
	if owner == "" {
		im.report.addAt(e.loc("metadata"), Item{Kind: "exemption", Name: name, Status: NotMapped, Target: target,
			Note: "no owner: the exemption's metadata names none (owner, requestedBy, approvedBy); pass --owner"})
		return nil
	}
	category := firstNonEmpty(e.str("exemptionCategory"), "Waiver")
	reason := category + ": " + firstNonEmpty(e.str("description"), e.str("displayName"), e.name())
	status, notes := Caveat, []string{"Azure exempts the whole cluster; edict exempts namespaces, so every namespace (*) is exempt: narrow namespaces to the ones that need it"}

	now := im.opts.now()
	var expires time.Time
	if s := e.str("expiresOn"); s != "" {
		t, err := parseAzureTime(s)
		if err != nil {
			im.report.addAt(e.loc("expiresOn"), Item{Kind: "exemption", Name: name, Status: NotMapped, Target: target, Note: fmt.Sprintf("expiresOn %q is not a date and time: %v", s, err)})
			return nil
		}
		t = t.UTC()
		if !t.After(now) {
			im.report.addAt(e.loc("expiresOn"), Item{Kind: "exemption", Name: name, Status: NotMapped, Target: target,
				Note: fmt.Sprintf("expired on %s; an expired exemption fails edict's build, so it was left out", t.Format(time.RFC3339))})
			return nil
		}
		expires = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		if !expires.Equal(t) {
			notes = append(notes, fmt.Sprintf("Azure's expiry %s ends at the start of %s in edict (exemptions end at midnight UTC)", t.Format(time.RFC3339), expires.Format("2006-01-02")))
		}
		if !expires.After(now) {
			expires = expires.AddDate(0, 0, 1)
		}
	} else {
		d := now.Add(im.opts.defaultExpiry())
		expires = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		notes = append(notes, fmt.Sprintf("no expiresOn in Azure: edict exemptions always expire, so it was given %s (--default-expiry)", expires.Format("2006-01-02")))
	}
	im.report.addAt(e.loc(), Item{Kind: "exemption", Name: name, Status: status, Target: target + " (" + strings.Join(ids, ", ") + ")", Note: strings.Join(notes, "; ")})
	return map[string]any{
		"policies":   ids,
		"namespaces": []string{"*"},
		"reason":     reason,
		"owner":      owner,
		"expires":    expires.Format("2006-01-02"),
	}
}

// parseAzureTime reads the timestamps Azure writes: RFC 3339, with or
// without a zone (then UTC), with or without fractional seconds.
func parseAzureTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("expected an ISO 8601 date and time such as 2027-03-31T00:00:00Z")
}
