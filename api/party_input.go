package api

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// Limits of parties.
const (
	partyTitleMax       = 200
	partyDescriptionMax = 2000
	partyTracksMax      = 200
	partyPlaylistMax    = 12 * time.Hour
	partyVideoMax       = 6 * time.Hour
	partyCapacityMax    = 500
	partyCoHostsMax     = 10
	partyAheadMax       = 365 * 24 * time.Hour
	partySkew           = time.Minute // a start this much in the past is taken as now
)

type partyTrackRequest struct {
	Kind       models.TrackKind `json:"kind" enum:"track,youtube" description:"track: the artist's own content (content_id; its duration is used); youtube: a video (video_id, duration_ms)"`
	ContentID  *uuid.UUID       `json:"content_id,omitempty" description:"track: a track or video of the artist's, not deleted"`
	VideoID    string           `json:"video_id,omitempty" maxLength:"11" description:"youtube: the 11-character video id"`
	Title      string           `json:"title,omitempty" maxLength:"200" description:"youtube: shown in the playlist (tracks show their own)"`
	DurationMs int64            `json:"duration_ms,omitempty" minimum:"1000" maximum:"21600000" description:"youtube: 1 s to 6 h"`
}

// partyRequest creates (title and playlist required) or patches a party:
// absent fields stay as they are.
type partyRequest struct {
	Title       *string              `json:"title,omitempty" maxLength:"200" description:"Required on create"`
	Description *string              `json:"description,omitempty" maxLength:"2000"`
	Playlist    *[]partyTrackRequest `json:"playlist,omitempty" maxItems:"200" description:"Required on create: 1 to 200 tracks, at most 12 h in all. PATCH: while scheduled (409 once live)"`
	ScheduledAt *time.Time           `json:"scheduled_at,omitempty" description:"Absent on create: now. At most a year ahead. PATCH: while scheduled (409 once live)"`
	Public      *bool                `json:"public,omitempty" description:"Default true; a private party gets an invite code, shown to its hosts"`
	MinTier     *models.Tier         `json:"min_tier,omitempty" enum:"follower,supporter,superfan" description:"The lowest tier let in (default follower)"`
	Capacity    *int                 `json:"capacity,omitempty" minimum:"1" maximum:"500" description:"Seats, 1 to 500 (default 500)"`
}

// applyParty patches p with the request and checks the result at now;
// content tracks must be the party's artist's and take their durations.
func (s *Server) applyParty(ctx context.Context, req *partyRequest, p *models.Party, now time.Time) error {
	if req.Title != nil {
		p.Title = strings.TrimSpace(*req.Title)
	}
	if req.Description != nil {
		p.Description = strings.TrimSpace(*req.Description)
	}
	if req.ScheduledAt != nil {
		if p.Status != models.PartyScheduled {
			return models.Errorf(models.CodeConflict, "only a scheduled party's start moves")
		}
		switch at := *req.ScheduledAt; {
		case at.Before(now.Add(-partySkew)):
			return models.FieldError("scheduled_at", "scheduled_at is in the past")
		case at.After(now.Add(partyAheadMax)):
			return models.FieldError("scheduled_at", "scheduled_at must be at most a year ahead")
		}
		p.ScheduledAt = later(*req.ScheduledAt, now).UTC()
	}
	if req.Public != nil && *req.Public == p.Private {
		p.Private = !*req.Public
		p.InviteCode = ""
		if p.Private {
			p.InviteCode = newInviteCode()
		}
	}
	if req.MinTier != nil {
		p.MinTier = *req.MinTier
	}
	if req.Capacity != nil {
		p.Capacity = *req.Capacity
	}
	if req.Playlist != nil {
		tracks, err := s.playlist(ctx, p.ArtistID, *req.Playlist)
		if err != nil {
			return err
		}
		p.Playlist = tracks
	}
	switch {
	case p.Title == "":
		return models.FieldError("title", "title is required")
	case utf8.RuneCountInString(p.Title) > partyTitleMax:
		return models.FieldError("title", "title must be at most %d characters", partyTitleMax)
	case utf8.RuneCountInString(p.Description) > partyDescriptionMax:
		return models.FieldError("description", "description must be at most %d characters", partyDescriptionMax)
	case len(p.Playlist) == 0:
		return models.FieldError("playlist", "playlist needs 1 to %d tracks", partyTracksMax)
	case p.MinTier.Rank() < 0:
		return models.FieldError("min_tier", "min_tier must be follower, supporter or superfan")
	case p.Capacity < 1 || p.Capacity > partyCapacityMax:
		return models.FieldError("capacity", "capacity must be between 1 and %d", partyCapacityMax)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// playlist checks requested tracks: errors name the field's path.
func (s *Server) playlist(ctx context.Context, artistID uuid.UUID, req []partyTrackRequest) ([]models.PartyTrack, error) {
	if len(req) == 0 || len(req) > partyTracksMax {
		return nil, models.FieldError("playlist", "playlist needs 1 to %d tracks", partyTracksMax)
	}
	out := make([]models.PartyTrack, len(req))
	var total time.Duration
	for i, r := range req {
		field := func(name string) string { return fmt.Sprintf("playlist[%d].%s", i, name) }
		switch r.Kind {
		case models.TrackContent:
			if r.ContentID == nil {
				return nil, models.FieldError(field("content_id"), "%s is required for a track", field("content_id"))
			}
			item, err := s.Store.Content(ctx, *r.ContentID)
			if models.ErrorCode(err) == models.CodeNotFound || (err == nil && (item.ArtistID != artistID || !item.Kind.Playable())) {
				return nil, models.FieldError(field("content_id"), "%s is not a track or video of this artist", field("content_id"))
			}
			if err != nil {
				return nil, err
			}
			out[i] = models.PartyTrack{Kind: r.Kind, ContentID: &item.ID, Title: item.Title, DurationMs: int64(item.DurationSeconds) * 1000}
		case models.TrackYouTube:
			if !models.YouTubeID(r.VideoID) {
				return nil, models.FieldError(field("video_id"), "%s must be an 11-character YouTube video id", field("video_id"))
			}
			if r.DurationMs < 1000 || time.Duration(r.DurationMs)*time.Millisecond > partyVideoMax {
				return nil, models.FieldError(field("duration_ms"), "%s must be between 1000 and %d", field("duration_ms"), partyVideoMax.Milliseconds())
			}
			title := strings.TrimSpace(r.Title)
			if utf8.RuneCountInString(title) > partyTitleMax {
				return nil, models.FieldError(field("title"), "%s must be at most %d characters", field("title"), partyTitleMax)
			}
			out[i] = models.PartyTrack{Kind: r.Kind, VideoID: r.VideoID, Title: title, DurationMs: r.DurationMs}
		default:
			return nil, models.FieldError(field("kind"), "%s must be track or youtube", field("kind"))
		}
		total += time.Duration(out[i].DurationMs) * time.Millisecond
	}
	if total > partyPlaylistMax {
		return nil, models.FieldError("playlist", "the playlist lasts at most %s", partyPlaylistMax)
	}
	return out, nil
}
