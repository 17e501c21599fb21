package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// testSessions drives the seven session operations through the SDK and
// checks every field the SDK decodes.
func testSessions(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	c := e.clientA
	f1 := mustCreateFilter(t, c, "sessions-1", nil)
	f2 := mustCreateFilter(t, c, "sessions-2", nil)

	t.Run("Lifecycle", func(t *testing.T) {
		// Sources are stored as sent, so one is in upper case.
		src1, src2, src3 := strings.ToUpper(freshID()), freshID(), freshID()
		target := freshID()

		// The SDK's create model declares virtual_network_id, packet_length
		// and enabled as strings (sessions.md §1.3).
		resp, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{
			TrafficMirrorSession: &model.CreateTrafficMirrorSessionOption{
				Name:                    "sess-01.镜像",
				Description:             ptrTo("first session & more"),
				TrafficMirrorFilterId:   f1.Id,
				TrafficMirrorSources:    []string{src1, src2},
				TrafficMirrorTargetId:   target,
				TrafficMirrorTargetType: "ELB",
				VirtualNetworkId:        ptrTo("100"),
				PacketLength:            ptrTo("128"),
				Priority:                10,
				Enabled:                 ptrTo("true"),
				Type:                    ptrTo("EIP"),
			},
		}})
		if err != nil {
			t.Fatalf("CreateTrafficMirrorSession: %v", err)
		}
		if resp.HttpStatusCode != http.StatusCreated {
			t.Errorf("CreateTrafficMirrorSession: status %d, want 201", resp.HttpStatusCode)
		}
		wantRequestID(t, "CreateTrafficMirrorSession", resp.RequestId)
		s := *resp.TrafficMirrorSession
		if !uuidV4RE.MatchString(s.Id) {
			t.Errorf("CreateTrafficMirrorSession: id %q, want a lower-case UUIDv4", s.Id)
		}
		want := model.TrafficMirrorSession{
			Id:                      s.Id,
			ProjectId:               e.projectA,
			Name:                    "sess-01.镜像",
			Description:             "first session & more",
			TrafficMirrorFilterId:   f1.Id,
			TrafficMirrorSources:    []string{src1, src2},
			TrafficMirrorTargetId:   target,
			TrafficMirrorTargetType: "elb",
			VirtualNetworkId:        100,
			PacketLength:            128,
			Priority:                10,
			Enabled:                 true,
			Type:                    "eip",
			CreatedAt:               s.CreatedAt,
			UpdatedAt:               s.UpdatedAt,
		}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("CreateTrafficMirrorSession mismatch (-want +got):\n%s", diff)
		}
		created := parseWireTime(t, "created_at", s.CreatedAt)
		if s.UpdatedAt != s.CreatedAt {
			t.Errorf("CreateTrafficMirrorSession: updated_at %s, want created_at %s", s.UpdatedAt, s.CreatedAt)
		}
		if d := time.Since(created); d < -time.Minute || d > 10*time.Minute {
			t.Errorf("CreateTrafficMirrorSession: created_at %s is not the current time", s.CreatedAt)
		}

		show := func(op string) model.TrafficMirrorSession {
			t.Helper()
			resp, err := c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id})
			if err != nil {
				t.Fatalf("%s: ShowTrafficMirrorSession: %v", op, err)
			}
			if resp.HttpStatusCode != http.StatusOK {
				t.Errorf("%s: ShowTrafficMirrorSession status %d, want 200", op, resp.HttpStatusCode)
			}
			wantRequestID(t, "ShowTrafficMirrorSession", resp.RequestId)
			return *resp.TrafficMirrorSession
		}
		if diff := cmp.Diff(want, show("after create")); diff != "" {
			t.Errorf("ShowTrafficMirrorSession mismatch (-want +got):\n%s", diff)
		}

		list, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Id: &s.Id})
		if err != nil {
			t.Fatalf("ListTrafficMirrorSessions: %v", err)
		}
		wantRequestID(t, "ListTrafficMirrorSessions", list.RequestId)
		if list.HttpStatusCode != http.StatusOK || list.TrafficMirrorSessions == nil {
			t.Fatalf("ListTrafficMirrorSessions = %v, want 200 with a list", list)
		}
		if diff := cmp.Diff([]model.TrafficMirrorSession{want}, *list.TrafficMirrorSessions); diff != "" {
			t.Errorf("ListTrafficMirrorSessions(id) mismatch (-want +got):\n%s", diff)
		}

		// The SDK's update model declares the integers as int32 and enabled
		// as a string.
		waitTick()
		newTarget := freshID()
		upd, err := c.UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id,
			Body: &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.UpdateTrafficMirrorSessionOption{
				Name:                    ptrTo("sess-renamed"),
				Description:             ptrTo(""),
				TrafficMirrorFilterId:   &f2.Id,
				TrafficMirrorTargetId:   &newTarget,
				TrafficMirrorTargetType: ptrTo("ENI"),
				VirtualNetworkId:        ptrTo(int32(0)),
				PacketLength:            ptrTo(int32(1460)),
				Priority:                ptrTo(int32(32766)),
				Enabled:                 ptrTo("false"),
			}}})
		if err != nil {
			t.Fatalf("UpdateTrafficMirrorSession: %v", err)
		}
		if upd.HttpStatusCode != http.StatusOK {
			t.Errorf("UpdateTrafficMirrorSession: status %d, want 200", upd.HttpStatusCode)
		}
		wantRequestID(t, "UpdateTrafficMirrorSession", upd.RequestId)
		want.Name, want.Description, want.TrafficMirrorFilterId = "sess-renamed", "", f2.Id
		want.TrafficMirrorTargetId, want.TrafficMirrorTargetType = newTarget, "eni"
		want.VirtualNetworkId, want.PacketLength, want.Priority, want.Enabled = 0, 1460, 32766, false
		want = wantSessionUpdated(t, "UpdateTrafficMirrorSession", want, *upd.TrafficMirrorSession)

		// An empty update changes nothing but updated_at.
		waitTick()
		upd, err = c.UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id,
			Body: &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.UpdateTrafficMirrorSessionOption{}}})
		if err != nil {
			t.Fatalf("UpdateTrafficMirrorSession({}): %v", err)
		}
		want = wantSessionUpdated(t, "UpdateTrafficMirrorSession({})", want, *upd.TrafficMirrorSession)

		waitTick()
		add, err := c.AddSourcesToTrafficMirrorSession(&model.AddSourcesToTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id,
			Body: &model.AddSourcesToTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{
				TrafficMirrorSources: []string{src3}}}})
		if err != nil {
			t.Fatalf("AddSourcesToTrafficMirrorSession: %v", err)
		}
		if add.HttpStatusCode != http.StatusOK {
			t.Errorf("AddSourcesToTrafficMirrorSession: status %d, want 200", add.HttpStatusCode)
		}
		wantRequestID(t, "AddSourcesToTrafficMirrorSession", add.RequestId)
		want.TrafficMirrorSources = []string{src1, src2, src3}
		want = wantSessionUpdated(t, "AddSourcesToTrafficMirrorSession", want, *add.TrafficMirrorSession)

		// Sources are compared case-insensitively; the others keep their
		// order.
		waitTick()
		rm, err := c.RemoveSourcesFromTrafficMirrorSession(&model.RemoveSourcesFromTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id,
			Body: &model.RemoveSourcesFromTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{
				TrafficMirrorSources: []string{strings.ToLower(src1)}}}})
		if err != nil {
			t.Fatalf("RemoveSourcesFromTrafficMirrorSession: %v", err)
		}
		if rm.HttpStatusCode != http.StatusOK {
			t.Errorf("RemoveSourcesFromTrafficMirrorSession: status %d, want 200", rm.HttpStatusCode)
		}
		wantRequestID(t, "RemoveSourcesFromTrafficMirrorSession", rm.RequestId)
		want.TrafficMirrorSources = []string{src2, src3}
		want = wantSessionUpdated(t, "RemoveSourcesFromTrafficMirrorSession", want, *rm.TrafficMirrorSession)

		if diff := cmp.Diff(want, show("after the changes")); diff != "" {
			t.Errorf("ShowTrafficMirrorSession after the changes mismatch (-want +got):\n%s", diff)
		}

		del, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id})
		if err != nil {
			t.Fatalf("DeleteTrafficMirrorSession: %v", err)
		}
		if del.HttpStatusCode != http.StatusNoContent {
			t.Errorf("DeleteTrafficMirrorSession: status %d, want 204", del.HttpStatusCode)
		}
		_, err = c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id})
		wantSDKErrorMsg(t, "ShowTrafficMirrorSession of a deleted session", err, http.StatusNotFound, "VPC.9201", "Traffic mirror session "+s.Id+" not found.")
		_, err = c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id})
		wantSDKError(t, "DeleteTrafficMirrorSession again", err, http.StatusNotFound, "VPC.9201")

		// Deleting freed the sources and the target: they can take the
		// other role now.
		opt := sessionOption(f1.Id, 10)
		opt.TrafficMirrorSources, opt.TrafficMirrorTargetId = []string{newTarget}, src2
		mustCreateSession(t, c, opt)
	})

	t.Run("Defaults", func(t *testing.T) {
		opt := sessionOption(f1.Id, 1)
		s := mustCreateSession(t, c, opt)
		want := model.TrafficMirrorSession{
			Id:                      s.Id,
			ProjectId:               e.projectA,
			Name:                    opt.Name,
			Description:             "",
			TrafficMirrorFilterId:   f1.Id,
			TrafficMirrorSources:    opt.TrafficMirrorSources,
			TrafficMirrorTargetId:   opt.TrafficMirrorTargetId,
			TrafficMirrorTargetType: "eni",
			VirtualNetworkId:        1,
			PacketLength:            96,
			Priority:                1,
			Enabled:                 false,
			Type:                    "eni",
			CreatedAt:               s.CreatedAt,
			UpdatedAt:               s.CreatedAt,
		}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("CreateTrafficMirrorSession without optional fields mismatch (-want +got):\n%s", diff)
		}
		parseWireTime(t, "created_at", s.CreatedAt)

		// The largest values, and enabled "false" sent explicitly.
		opt = sessionOption(f2.Id, 32766)
		opt.VirtualNetworkId, opt.PacketLength, opt.Enabled = ptrTo("16777215"), ptrTo("1460"), ptrTo("false")
		s = mustCreateSession(t, c, opt)
		if s.VirtualNetworkId != 16777215 || s.PacketLength != 1460 || s.Priority != 32766 || s.Enabled {
			t.Errorf("CreateTrafficMirrorSession with the largest values = %v", s)
		}

		// A delete answers 204 without a body, with a request id header.
		resp := e.do(t, e.a, e.projectA, sdkCall{method: "DELETE", path: apiSessionsPath + "/" + s.Id})
		if resp.status != http.StatusNoContent || len(resp.body) != 0 || !uuidV4RE.MatchString(resp.header.Get("X-Request-Id")) {
			t.Errorf("DELETE session: status %d, body %q, X-Request-Id %q; want 204, no body, a request id",
				resp.status, resp.body, resp.header.Get("X-Request-Id"))
		}
	})
}

// wantSessionUpdated checks a session after a change: the fields of want,
// created_at unchanged, updated_at later than before. It returns the new
// state.
func wantSessionUpdated(t *testing.T, op string, want, got model.TrafficMirrorSession) model.TrafficMirrorSession {
	t.Helper()
	before := parseWireTime(t, op+" updated_at before", want.UpdatedAt)
	after := parseWireTime(t, op+" updated_at", got.UpdatedAt)
	if !after.After(before) {
		t.Errorf("%s: updated_at %s, want later than %s", op, got.UpdatedAt, want.UpdatedAt)
	}
	want.UpdatedAt = got.UpdatedAt
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", op, diff)
	}
	return got
}
