package api

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/models"
)

// Sharing a party: a small public page at /p/{id} with Open Graph and
// Twitter tags for link previews, and GET /api/parties/{id}/share with the
// same data, the Twitter/X intent URL and the YouTube players.
//
// A link preview is made by a crawler with no session, so the page is the
// same to every visitor and shows what an anonymous follower may know: a
// private party needs ?code= (else 404, as if it did not exist), and a
// party above the follower tier is a teaser (title, artist, time and the
// tier it needs; no description, playlist or players).

type playlistTrackView struct {
	models.PartyTrack
	EmbedURL string `json:"embed_url,omitempty" description:"youtube: the privacy-enhanced player (youtube-nocookie.com), built from the checked video id alone"`
}

func viewPlaylist(tracks []models.PartyTrack) []playlistTrackView {
	out := make([]playlistTrackView, len(tracks))
	for i, t := range tracks {
		out[i] = playlistTrackView{PartyTrack: t}
		if t.Kind == models.TrackYouTube {
			out[i].EmbedURL = models.YouTubeEmbedURL(t.VideoID)
		}
	}
	return out
}

type openGraphView struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Type        string `json:"type"`
	URL         string `json:"url"`
	Image       string `json:"image,omitempty" description:"The artist's avatar (https), else an open party's first YouTube thumbnail; absent when neither"`
	TwitterCard string `json:"twitter_card" enum:"summary,summary_large_image"`
}

type youTubeEmbedView struct {
	TrackIndex int    `json:"track_index"`
	VideoID    string `json:"video_id"`
	EmbedURL   string `json:"embed_url"`
}

type shareView struct {
	URL              string             `json:"url" description:"The share page; a private party's carries ?code= to callers who hold the code (its hosts, or who sent it)"`
	OpenGraph        openGraphView      `json:"open_graph" description:"What the share page's preview tags say"`
	TwitterIntentURL string             `json:"twitter_intent_url"`
	YouTubeEmbeds    []youTubeEmbedView `json:"youtube_embeds" description:"The playlist's YouTube players; empty when the caller's tier does not open the party"`
}

type shareQuery struct {
	Code string `query:"code" validate:"max=64" invalid:"code must be at most 64 characters" description:"A private party's invite code"`
}

func (s *Server) partyShareRoutes(r *routes) {
	r.add(fiber.MethodGet, "/p/:id", op{summary: "A party's public share page (HTML with Open Graph and Twitter tags, a link into the app); a private one needs ?code=, else 404; a tier-locked one is a teaser", tag: "parties",
		query: shareQuery{}, errors: []int{http.StatusNotFound}}, s.sharePage)
	r.add(fiber.MethodGet, "/api/parties/:id/share", op{summary: "How to share a party: its page's URL and preview data, a Twitter/X intent URL and its YouTube players (reached as GET /api/parties/{id})", tag: "parties",
		query: shareQuery{}, out: shareView{}, errors: []int{http.StatusNotFound}}, s.authenticateOptional, s.partyShare)
}

// preview is the share page's data, the same for every visitor. code goes
// into the links only when it is the party's.
type preview struct {
	OG       openGraphView
	Artist   string
	AppURL   string
	Private  bool
	shareURL string
}

func (s *Server) preview(p *models.Party, artist *models.Artist, code string) preview {
	if !p.Private || subtle.ConstantTimeCompare([]byte(code), []byte(p.InviteCode)) != 1 {
		code = ""
	}
	q := ""
	if code != "" {
		q = "?code=" + url.QueryEscape(code)
	}
	pv := preview{Artist: artist.Name, Private: p.Private,
		shareURL: s.Config.PublicURL + "/p/" + p.ID.String() + q, AppURL: s.Config.AppURL + "/parties/" + p.ID.String() + q}
	open := models.CanAccess(models.Viewer{Tier: models.TierFollower}, p.Resource(), s.Auth.Now())
	when := map[models.PartyStatus]string{models.PartyLive: "live now", models.PartyEnded: "ended", models.PartyCancelled: "cancelled"}[p.Status]
	if when == "" {
		when = p.ScheduledAt.UTC().Format("Mon 2 Jan 2006, 15:04 UTC")
	}
	desc := fmt.Sprintf("A listening party by %s · %s", artist.Name, when)
	if !open {
		desc = fmt.Sprintf("A listening party by %s for %s members and up · %s", artist.Name, p.MinTier, when)
	} else if p.Description != "" {
		desc += ". " + models.Clip(p.Description, 200)
	}
	pv.OG = openGraphView{Title: p.Title, Description: desc, Type: "website", URL: pv.shareURL, TwitterCard: "summary"}
	if strings.HasPrefix(artist.AvatarURL, "https://") {
		pv.OG.Image = artist.AvatarURL
	} else if embeds := youTubeEmbeds(p); open && len(embeds) > 0 {
		pv.OG.Image = models.YouTubeThumbnailURL(embeds[0].VideoID)
	}
	if pv.OG.Image != "" {
		pv.OG.TwitterCard = "summary_large_image"
	}
	return pv
}

func youTubeEmbeds(p *models.Party) []youTubeEmbedView {
	out := []youTubeEmbedView{}
	for i, t := range p.Playlist {
		if u := models.YouTubeEmbedURL(t.VideoID); t.Kind == models.TrackYouTube && u != "" {
			out = append(out, youTubeEmbedView{TrackIndex: i, VideoID: t.VideoID, EmbedURL: u})
		}
	}
	return out
}

// twitterIntent is the Twitter/X compose link: text and url, each
// percent-encoded (spaces as %20).
func twitterIntent(text, link string) string {
	esc := func(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }
	return "https://twitter.com/intent/tweet?text=" + esc(text) + "&url=" + esc(link)
}

func (s *Server) partyShare(c *fiber.Ctx) error {
	q, err := decodeQuery[shareQuery](c)
	if err != nil {
		return err
	}
	a, err := s.reachParty(c, q.Code)
	if err != nil {
		return err
	}
	artist, err := s.Store.ArtistByID(c.UserContext(), a.party.ArtistID)
	if err != nil {
		return err
	}
	code := q.Code
	if a.party.Hosts(a.viewer.UserID) {
		code = a.party.InviteCode
	}
	pv := s.preview(a.party, artist, code)
	v := shareView{URL: pv.shareURL, OpenGraph: pv.OG, TwitterIntentURL: twitterIntent(a.party.Title+" — a listening party by "+artist.Name, pv.shareURL),
		YouTubeEmbeds: []youTubeEmbedView{}}
	if a.party.OpenTo(a.viewer, s.Auth.Now()) {
		v.YouTubeEmbeds = youTubeEmbeds(a.party)
	}
	return c.JSON(v)
}

var sharePageTemplate = template.Must(template.New("share").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.OG.Title}} · Fanfare</title>
<meta name="description" content="{{.OG.Description}}">
{{if .Private}}<meta name="robots" content="noindex">
{{end}}<meta property="og:site_name" content="Fanfare">
<meta property="og:type" content="{{.OG.Type}}">
<meta property="og:title" content="{{.OG.Title}}">
<meta property="og:description" content="{{.OG.Description}}">
<meta property="og:url" content="{{.OG.URL}}">
{{with .OG.Image}}<meta property="og:image" content="{{.}}">
{{end}}<meta name="twitter:card" content="{{.OG.TwitterCard}}">
<meta name="twitter:title" content="{{.OG.Title}}">
<meta name="twitter:description" content="{{.OG.Description}}">
<link rel="canonical" href="{{.OG.URL}}">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}a.open{display:inline-block;padding:.6rem 1.2rem;border-radius:.4rem;background:#5a3fd8;color:#fff;text-decoration:none}</style>
</head>
<body>
<main>
<p>{{.Artist}} · listening party on Fanfare</p>
<h1>{{.OG.Title}}</h1>
<p>{{.OG.Description}}</p>
<p><a class="open" href="{{.AppURL}}">Open in Fanfare</a></p>
</main>
</body>
</html>
`))

const notFoundPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Not found · Fanfare</title></head>
<body><p>This party is not here: the link may be wrong, or it needs its invite code.</p></body></html>
`

// sharePageCSP lets the page load nothing but its inline style and
// https images.
const sharePageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) sharePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, sharePageCSP)
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer") // a private page's URL holds its code
	q, err := decodeQuery[shareQuery](c)
	var a *partyAccess
	if err == nil {
		a, err = s.reachParty(c, q.Code) // no session here: the page is every visitor's
	}
	if err == nil {
		var artist *models.Artist
		if artist, err = s.Store.ArtistByID(c.UserContext(), a.party.ArtistID); err == nil {
			return s.renderSharePage(c, s.preview(a.party, artist, q.Code))
		}
	}
	if code := models.ErrorCode(err); code != models.CodeNotFound && code != models.CodeInvalid { // a code too long is no code
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(http.StatusNotFound).Type("html", "utf-8").SendString(notFoundPage)
}

func (s *Server) renderSharePage(c *fiber.Ctx, pv preview) error {
	var buf bytes.Buffer
	if err := sharePageTemplate.Execute(&buf, pv); err != nil {
		return err
	}
	if pv.Private {
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		c.Set("X-Robots-Tag", "noindex")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=60") // it changes as the party goes live and ends
	}
	return c.Type("html", "utf-8").Send(buf.Bytes())
}
