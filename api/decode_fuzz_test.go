package api

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/fanfare/fanfare/engagement"
	"github.com/fanfare/fanfare/messaging"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/perks"
)

var decodeSeeds = []string{
	`{"email":"a@example.com","password":"correct horse battery","display_name":"A","role":"fan"}`,
	`{"email":"a@example.com","password":"x","display_name":"A","role":"artist","country":"FR","birth_year":1990,"time_zone":"Europe/Paris"}`,
	`{"email":1}`, `{"role":"admin"}`, `{"unknown":true}`, `[]`, `null`, `{}`, `{"email":"a"} x`,
	`{"tier":"superfan","payment_method":"pm_card_visa"}`, `{"tier":"gold"}`, `{"tier":"supporter","payment_method":"\u00e9"}`,
	`{"description":"x","superfan_price_cents":1200,"dm_quota":7,"exclusive_content":[{"title":"t","min_tier":"supporter"}],"milestones":[{"title":"m","members":10}]}`,
	`{"kind":"track","title":"T","duration_seconds":200,"min_tier":"superfan","public_at":"2027-01-01T00:00:00Z","media_url":"https://cdn.example/a.mp3"}`,
	`{"kind":"post","body":"x","duration_seconds":-1,"public_at":"yesterday"}`, `{"position_seconds":10,"seconds_listened":1e9}`,
	`{"exclusive_content":[{"title":"","min_tier":"follower","url":"javascript:alert(1)"}]}`, `{"dm_quota":-1}`, `{"decline":"card_declined"}`,
	`{"body":"hi","attachments":["01a2155f-e90f-7889-a0f7-7bd703571cf5"],"idempotency_key":"k"}`, `{"pinned":true,"read_up_to":"x"}`,
	`{"body":"<script>alert(1)</script>"}`, `{"emoji":"👍🏽"}`, `{"reason":"spam"}`,
	`{"answer":"<b>yes</b>"}`, `{"body":"b","media_url":"https://cdn.example.com/a.jpg"}`, `{"body":"b","media_url":"javascript:alert(1)"}`,
	`{"title":"P","playlist":[{"kind":"youtube","video_id":"dQw4w9WgXcQ","duration_ms":1000},{"kind":"track","content_id":"01a2155f-e90f-7889-a0f7-7bd703571cf5"}],"public":false,"capacity":501,"scheduled_at":"2027-01-01T00:00:00Z"}`,
	`{"code":"abc"}`, `{"playlist":[{"kind":"vinyl","duration_ms":-1}]}`,
	`{"playlist":[{"kind":"track","content_id":"nope"}],"scheduled_at":5}`, `{"public_at":"2027-13-01T00:00:00Z"}`, `{"milestones":[{"members":"ten"}]}`,
	`{"birth_year":1e400}`, `{"email":"\u0000"}`, `{"time_zone":"../../etc/passwd"}`, `{"refresh_token":"` + string(make([]byte, 300)) + `"}`,
	`{"events":[{"client_id":"a-1","action":"progress","at":"2026-12-07T12:00:00Z","content_id":"01a2155f-e90f-7889-a0f7-7bd703571cf5","seconds":30},{"client_id":"b","action":"share","at":"2026-12-07T12:00:00Z","party_id":"01a2155f-e90f-7889-a0f7-7bd703571cf5"}]}`,
	`{"events":[{"client_id":"a b","action":"play","at":"x","seconds":-1}]}`, `{"events":[{"client_id":"{u}","action":"share","at":"2026-12-07T12:00:00Z","content_id":"nope","user_id":"x"}]}`,
	`{"events":[{"action":"progress","at":"2026-12-07T12:00:00Z","seconds":1e9}]}`, `{"events":null}`, `{"events":[]}`, `{"events":[null]}`,
}

// Any input either decodes into a value that passes validation or fails
// with an invalid-input application error; nothing panics.
func fuzzDecode[T any](f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := decodeBytes[T](body)
		if err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid {
				t.Fatalf("error %v is not an invalid-input error", err)
			}
			return
		}
		if verr := validate.Struct(v); verr != nil {
			t.Fatalf("decoded value fails validation: %v", verr)
		}
	})
}

func FuzzDecodeRegister(f *testing.F)           { fuzzDecode[registerRequest](f) }
func FuzzDecodeLogin(f *testing.F)              { fuzzDecode[loginRequest](f) }
func FuzzDecodeRefresh(f *testing.F)            { fuzzDecode[refreshRequest](f) }
func FuzzDecodeUpdateMe(f *testing.F)           { fuzzDecode[updateMeRequest](f) }
func FuzzDecodeSubscribe(f *testing.F)          { fuzzDecode[subscribeRequest](f) }
func FuzzDecodeChangeTier(f *testing.F)         { fuzzDecode[changeTierRequest](f) }
func FuzzDecodeClub(f *testing.F)               { fuzzDecode[updateClubRequest](f) }
func FuzzDecodeSendMessage(f *testing.F)        { fuzzDecode[sendMessageRequest](f) }
func FuzzDecodeConversation(f *testing.F)       { fuzzDecode[updateConversationRequest](f) }
func FuzzDecodePushSubscription(f *testing.F)   { fuzzDecode[pushSubscriptionRequest](f) }
func FuzzDecodeAnnouncement(f *testing.F)       { fuzzDecode[announcementRequest](f) }
func FuzzDecodeContent(f *testing.F)            { fuzzDecode[contentRequest](f) }
func FuzzDecodePlay(f *testing.F)               { fuzzDecode[playRequest](f) }
func FuzzDecodeAsk(f *testing.F)                { fuzzDecode[askRequest](f) }
func FuzzDecodeAnswer(f *testing.F)             { fuzzDecode[answerRequest](f) }
func FuzzDecodeBackstagePost(f *testing.F)      { fuzzDecode[backstagePostRequest](f) }
func FuzzDecodeLiveStart(f *testing.F)          { fuzzDecode[liveStartRequest](f) }
func FuzzDecodeLiveJoin(f *testing.F)           { fuzzDecode[liveJoinRequest](f) }
func FuzzDecodeLiveChat(f *testing.F)           { fuzzDecode[liveChatRequest](f) }
func FuzzDecodeParty(f *testing.F)              { fuzzDecode[partyRequest](f) }
func FuzzDecodePlayback(f *testing.F)           { fuzzDecode[playbackRequest](f) }
func FuzzDecodeRSVP(f *testing.F)               { fuzzDecode[rsvpRequest](f) }
func FuzzDecodePartyChat(f *testing.F)          { fuzzDecode[partyChatRequest](f) }
func FuzzDecodePartyChatDelete(f *testing.F)    { fuzzDecode[partyChatDeleteRequest](f) }
func FuzzDecodeSlowMode(f *testing.F)           { fuzzDecode[slowModeRequest](f) }
func FuzzDecodePartySlowMode(f *testing.F)      { fuzzDecode[partySlowModeRequest](f) }
func FuzzDecodePartyReaction(f *testing.F)      { fuzzDecode[partyReactionRequest](f) }
func FuzzDecodePartyJoin(f *testing.F)          { fuzzDecode[partyJoinRequest](f) }
func FuzzDecodePartyLeave(f *testing.F)         { fuzzDecode[partyLeaveRequest](f) }
func FuzzDecodePartyTarget(f *testing.F)        { fuzzDecode[partyTargetRequest](f) }
func FuzzDecodeDiscordWebhook(f *testing.F)     { fuzzDecode[discordWebhookRequest](f) }
func FuzzDecodeEngagementSettings(f *testing.F) { fuzzDecode[engagementSettingsRequest](f) }
func FuzzDecodeRewardConfig(f *testing.F)       { fuzzDecode[rewardConfigRequest](f) }
func FuzzDecodeRedeem(f *testing.F)             { fuzzDecode[redeemRequest](f) }
func FuzzDecodeEngagementEvents(f *testing.F)   { fuzzDecode[engagementEventsRequest](f) }

// Whatever a decoded events body holds, the use case's checks take it as
// a batch or refuse it as an invalid-input error naming events or one of
// an event's fields; nothing panics.
func FuzzEngagementEvents(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	field := regexp.MustCompile(`^events(\[\d+\]\.(client_id|action|at|content_id|seconds))?$`)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeBytes[engagementEventsRequest](body)
		if err != nil {
			return
		}
		if err := engagement.Check(req.events()); err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid || !field.MatchString(appErr.Field) {
				t.Fatalf("error %v is not an invalid-input error naming an event's field", err)
			}
		}
	})
}

// Whatever the text, what is stored holds no tag and passes its own limits.
func FuzzMessageText(f *testing.F) {
	for _, s := range append(decodeSeeds, "<img src=x onerror=alert(1)>", "a < b > c", "<<script>x", "\xff\xfe", "www.a.com b.io c.org") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		text, hash, err := messaging.Text(raw)
		if err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid {
				t.Fatalf("error %v is not an invalid-input error", err)
			}
			return
		}
		if strings.ContainsAny(text, "<>") {
			t.Fatalf("sanitized text %q holds a tag character", text)
		}
		if len(hash) != 64 {
			t.Fatalf("hash %q", hash)
		}
	})
}

// Whatever the text, a stored chat line is 1 to 500 characters holding
// no tag, or the text is refused naming body.
func FuzzPartyChatText(f *testing.F) {
	for _, s := range append(decodeSeeds, "<img src=x onerror=alert(1)>", "<p> </p>", strings.Repeat("&", 200), "\xff") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		text, err := partyChatText(raw)
		if err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid || appErr.Field != "body" {
				t.Fatalf("error %v is not an invalid-input error naming body", err)
			}
			return
		}
		if n := utf8.RuneCountInString(text); n == 0 || n > models.PartyChatMaxRunes || strings.ContainsAny(text, "<>") {
			t.Fatalf("stored line %q", text)
		}
	})
}

var querySeeds = []string{
	"", "limit=20&cursor=x", "limit=0", "limit=abc", "limit=+5", "limit=99999999999999999999", "limit=&cursor=",
	"tier=superfan&status=active", "tier=follower", "status=%00", "archived=1&unread=yes",
	"before=01932c7e-0000-7000-8000-000000000000&after=nope", "before={01932c7e-0000-7000-8000-000000000000}",
	"unread=true&grouped=true&category=message", "unread=TRUE", "category=%22%25q", "cursor=urn:uuid:01932c7e-0000-7000-8000-000000000000",
	"artist_id=01932c7e-0000-7000-8000-000000000000&public=false&status=live", "public=yes&status=over", "artist_id=nope", "period=week&limit=5", "period=year", "from=2026-01&to=2026-06", "from=2026-13", "to=26-1",
}

// Any query either decodes into a value that passes its rules or fails
// with an invalid-input error naming one of the parameters; nothing panics.
func fuzzQuery[T any](f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	names := map[string]bool{}
	for _, qf := range queryFieldsOf(reflect.TypeFor[T]()) {
		names[qf.name] = true
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var args fasthttp.Args
		args.Parse(raw)
		v, err := queryValues[T](func(name string, _ ...string) string { return string(args.Peek(name)) })
		if err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid || !names[appErr.Field] {
				t.Fatalf("error %v is not an invalid-input error naming a parameter", err)
			}
			return
		}
		if verr := validate.Struct(v); verr != nil {
			t.Fatalf("decoded value fails validation: %v", verr)
		}
	})
}

func FuzzQueryConversations(f *testing.F) { fuzzQuery[conversationQuery](f) }
func FuzzQueryContent(f *testing.F)       { fuzzQuery[pageQuery](f) }
func FuzzQueryMembers(f *testing.F)       { fuzzQuery[memberQuery](f) }
func FuzzQueryMessages(f *testing.F)      { fuzzQuery[messageQuery](f) }
func FuzzQueryNotifications(f *testing.F) { fuzzQuery[notificationQuery](f) }
func FuzzQueryPartyChat(f *testing.F)     { fuzzQuery[partyChatQuery](f) }

// Whatever a decoded content body holds, applying it to an item either
// passes the item's checks or is an invalid-input error naming a field.
func FuzzContentApply(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeBytes[contentRequest](body)
		if err != nil {
			return
		}
		item := &models.Content{}
		if err := req.apply(item, now); err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid || appErr.Field == "" {
				t.Fatalf("error %v is not an invalid-input error naming a field", err)
			}
			return
		}
		if item.Title == "" || item.MinTier.Rank() < 0 || (item.PublicAt != nil && !item.PublicAt.After(now)) {
			t.Fatalf("accepted item %+v", item)
		}
	})
}

// Whatever a decoded reward configuration holds, its rules either pass
// every check or it is an invalid-input error naming a rule's field.
func FuzzRewardRules(f *testing.F) {
	for _, s := range append(decodeSeeds, `{"rules":[{"milestone_key":"score_100","kind":"meet_greet","seats":1,"meet_at":"2026-06-02T00:00:00Z"}]}`) {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeBytes[rewardConfigRequest](body)
		if err != nil {
			return
		}
		rules, err := rewardRules(models.NewID(), req.Rules, now)
		if err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid || !strings.HasPrefix(appErr.Field, "rules[") {
				t.Fatalf("error %v is not an invalid-input error naming a rule's field", err)
			}
			return
		}
		for _, r := range rules {
			if !models.FanMilestone(r.MilestoneKey) || r.Title == "" || (r.Kind == models.RewardMeetGreet && (r.Seats < 1 || !r.MeetAt.After(now))) {
				t.Fatalf("accepted rule %+v", r)
			}
		}
	})
}

func FuzzQueryIDPage(f *testing.F)  { fuzzQuery[idPage](f) }
func FuzzQueryParties(f *testing.F) { fuzzQuery[partyQuery](f) }
func FuzzQueryShare(f *testing.F)   { fuzzQuery[shareQuery](f) }
func FuzzQueryTopFans(f *testing.F) { fuzzQuery[topFansQuery](f) }
func FuzzQueryCohorts(f *testing.F) { fuzzQuery[cohortQuery](f) }

// Whatever the query, the audience's decoder either answers a range that
// passes its rules, having been sent no parameter but from and to, or
// refuses with an invalid-input error naming a parameter that was sent
// or one of its own: a filter is never ignored.
func FuzzQueryAudience(f *testing.F) {
	for _, s := range append(querySeeds, "from=2026-01-01&to=2026-01-31", "from=2026-02-30", "to=2026-1-1",
		"country=NO&tier=superfan", "from=2026-01-01&age_band=65%2B", "=x&from=2026-01-01", "&&to=2026-06-01&", "to=2026-06-01&to=x") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var args fasthttp.Args
		args.Parse(raw)
		sent := map[string]bool{}
		args.VisitAll(func(k, _ []byte) { sent[string(k)] = true })
		v, err := audienceValues(&args)
		if err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid || appErr.Field == "" ||
				!sent[appErr.Field] && appErr.Field != "from" && appErr.Field != "to" {
				t.Fatalf("error %v is not an invalid-input error naming a parameter", err)
			}
			return
		}
		for k := range sent {
			if k != "" && k != "from" && k != "to" {
				t.Fatalf("parameter %q taken", k)
			}
		}
		if verr := validate.Struct(v); verr != nil {
			t.Fatalf("decoded value fails validation: %v", verr)
		}
	})
}

// Whatever the text of a question, answer or post, what is stored holds no
// tag and keeps to its limit.
func FuzzPerkText(f *testing.F) {
	for _, s := range append(decodeSeeds, "<img src=x onerror=alert(1)>", "a < b > c", "<<script>x", "\xff\xfe", "   ") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		text, err := perks.Text(raw, "body", 50)
		if err != nil {
			var appErr *models.Error
			if !errors.As(err, &appErr) || appErr.Code != models.CodeInvalid || appErr.Field != "body" {
				t.Fatalf("error %v is not an invalid-input error on body", err)
			}
			return
		}
		if strings.ContainsAny(text, "<>") || text == "" || utf8.RuneCountInString(text) > 50 {
			t.Fatalf("sanitized text %q", text)
		}
	})
}
