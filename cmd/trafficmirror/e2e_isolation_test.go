package main

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// ownedSet is what one credential created in its project.
type ownedSet struct {
	filter  model.TrafficMirrorFilter
	rule    model.TrafficMirrorFilterRule
	session model.TrafficMirrorSession
}

func (o ownedSet) ids() resourceIDs {
	return resourceIDs{session: o.session.Id, filter: o.filter.Id, rule: o.rule.Id}
}

func mustCreateOwned(t *testing.T, c *vpc.VpcClient, name string) ownedSet {
	t.Helper()
	var o ownedSet
	o.filter = mustCreateFilter(t, c, name, nil)
	o.rule = mustCreateRule(t, c, ruleOption(o.filter.Id, "ingress", 1))
	o.session = mustCreateSession(t, c, sessionOption(o.filter.Id, 1))
	return o
}

// testIsolation checks that two credentials with different projects never
// see or change each other's resources, and that a "*" credential may use
// any project.
func testIsolation(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	a := mustCreateOwned(t, e.clientA, "owned-by-a")
	b := mustCreateOwned(t, e.clientB, "owned-by-b")

	for _, dir := range []struct {
		name         string
		c            *vpc.VpcClient
		mine, theirs ownedSet
	}{
		{"BOnA", e.clientB, b, a},
		{"AOnB", e.clientA, a, b},
	} {
		t.Run(dir.name, func(t *testing.T) {
			c := dir.c
			for _, op := range apiOperations {
				if op.notFound == "" {
					continue
				}
				// Creating a session or a rule with the other project's
				// filter fails as if the filter did not exist.
				wantSDKError(t, op.name+" on the other project's resources", op.call(c, dir.theirs.ids()), http.StatusNotFound, op.notFound)
			}
			wantLists(t, c, dir.mine)
			// Asking for the other's IDs by filter finds nothing.
			sl, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Id: &dir.theirs.session.Id})
			if err != nil || len(*sl.TrafficMirrorSessions) != 0 {
				t.Errorf("ListTrafficMirrorSessions(id of the other project) = %v, %v; want none", sl, err)
			}
			fl, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{Id: &dir.theirs.filter.Id})
			if err != nil || len(*fl.TrafficMirrorFilters) != 0 {
				t.Errorf("ListTrafficMirrorFilters(id of the other project) = %v, %v; want none", fl, err)
			}
			rl, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{TrafficMirrorFilterId: &dir.theirs.filter.Id})
			if err != nil || len(*rl.TrafficMirrorFilterRules) != 0 {
				t.Errorf("ListTrafficMirrorFilterRules(filter of the other project) = %v, %v; want none", rl, err)
			}
		})
	}

	t.Run("NothingChanged", func(t *testing.T) {
		for _, o := range []struct {
			c *vpc.VpcClient
			o ownedSet
		}{{e.clientA, a}, {e.clientB, b}} {
			s, err := o.c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: o.o.session.Id})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(o.o.session, *s.TrafficMirrorSession); diff != "" {
				t.Errorf("session changed by the other project (-before +after):\n%s", diff)
			}
			f, err := o.c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: o.o.filter.Id})
			if err != nil {
				t.Fatal(err)
			}
			want := o.o.filter
			want.IngressRules = []model.TrafficMirrorFilterRule{o.o.rule}
			if diff := cmp.Diff(want, *f.TrafficMirrorFilter, sameSDKTime); diff != "" {
				t.Errorf("filter changed by the other project (-before +after):\n%s", diff)
			}
		}
	})

	t.Run("OtherProjectInPath", func(t *testing.T) {
		// a's keys with project B in the path (and X-Project-Id).
		c := e.client(t, e.a, e.projectB)
		for _, op := range apiOperations {
			wantSDKError(t, op.name+" in a project of another key", op.call(c, b.ids()), http.StatusBadRequest, "VPC.0007")
		}
		// X-Project-Id differing from the path: the path names project A,
		// the SDK credentials put project B into the header.
		cred := sdkCredentials(t, e.star, e.projectB)
		r := e.request(t, cred, sdkCall{method: "GET", path: "/v3/" + e.projectA + "/vpc/traffic-mirror-sessions"})
		if got := r.Header.Get("X-Project-Id"); got != e.projectB {
			t.Fatalf("X-Project-Id = %q, want %q", got, e.projectB)
		}
		wantSDKError(t, "X-Project-Id differing from the path", sendRaw(t, r).err(), http.StatusBadRequest, "VPC.0007")
		// Without a project ID the SDK sends the literal {project_id}.
		sdkCred, err := basic.NewCredentialsBuilder().WithAk(e.a.AccessKey).WithSk(e.a.SecretKey).SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		hc, err := vpc.VpcClientBuilder().WithEndpoints([]string{e.inst.Endpoint}).WithCredential(sdkCred).SafeBuild()
		if err != nil {
			t.Fatal(err)
		}
		_, err = vpc.NewVpcClient(hc).ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
		wantSDKError(t, "ListTrafficMirrorFilters without a project ID", err, http.StatusBadRequest, "VPC.0007")
	})

	t.Run("AnyProject", func(t *testing.T) {
		starA, starB := e.client(t, e.star, e.projectA), e.client(t, e.star, e.projectB)
		wantLists(t, starA, a)
		wantLists(t, starB, b)
		if _, err := starA.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: a.session.Id}); err != nil {
			t.Errorf("\"*\" key: ShowTrafficMirrorSession in project A: %v", err)
		}
		_, err := starB.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: a.session.Id})
		wantSDKError(t, "\"*\" key: ShowTrafficMirrorSession of project A's session in project B", err, http.StatusNotFound, "VPC.9201")

		// Resources the "*" key creates in a project belong to that project.
		mine := mustCreateOwned(t, starA, "owned-by-star")
		if mine.session.ProjectId != e.projectA || mine.filter.ProjectId != e.projectA || mine.rule.ProjectId != e.projectA {
			t.Errorf("created with the \"*\" key in project A: %v %v %v", mine.session, mine.filter, mine.rule)
		}
		if _, err := e.clientA.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: mine.filter.Id}); err != nil {
			t.Errorf("a's key: ShowTrafficMirrorFilter of the filter the \"*\" key made in project A: %v", err)
		}

		// A project nobody has used yet.
		fresh := e.client(t, e.star, mustProjectID(t))
		wantLists(t, fresh, ownedSet{})
		mustCreateOwned(t, fresh, "fresh")
	})
}

// wantLists checks that the three lists of c show exactly the resources of o
// (none when o is zero).
func wantLists(t *testing.T, c *vpc.VpcClient, o ownedSet) {
	t.Helper()
	want := func(id string) []string {
		if id == "" {
			return []string{}
		}
		return []string{id}
	}
	sl, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{})
	if err != nil {
		t.Fatalf("ListTrafficMirrorSessions: %v", err)
	}
	if got := idsOfSessions(*sl.TrafficMirrorSessions); !cmp.Equal(got, want(o.session.Id)) {
		t.Errorf("ListTrafficMirrorSessions = %v, want %v", got, want(o.session.Id))
	}
	fl, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	if err != nil {
		t.Fatalf("ListTrafficMirrorFilters: %v", err)
	}
	if got := idsOfFilters(*fl.TrafficMirrorFilters); !cmp.Equal(got, want(o.filter.Id)) {
		t.Errorf("ListTrafficMirrorFilters = %v, want %v", got, want(o.filter.Id))
	}
	rl, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{})
	if err != nil {
		t.Fatalf("ListTrafficMirrorFilterRules: %v", err)
	}
	if got := idsOfRules(*rl.TrafficMirrorFilterRules); !cmp.Equal(got, want(o.rule.Id)) {
		t.Errorf("ListTrafficMirrorFilterRules = %v, want %v", got, want(o.rule.Id))
	}
}
