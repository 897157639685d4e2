package perks

import (
	"context"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Limits of a backstage post.
const (
	MaxPostRunes    = 4000
	maxMediaURLSize = 2048
)

// Backstage is the backstage feed's use cases.
type Backstage struct {
	Store *store.Store
	Now   func() time.Time
}

// CanRead checks who may read the artist's backstage: the artist, admins
// and the members whose tier has the perk.
func (b *Backstage) CanRead(ctx context.Context, artistID uuid.UUID, who Who) error {
	return allowed(ctx, b.Store, models.Resource{Kind: models.ResourceBackstage, ArtistID: artistID}, who, b.Now(), "the backstage is for superfans")
}

// Post stores the artist's post: sanitized text and an optional https
// media URL.
func (b *Backstage) Post(ctx context.Context, artistID uuid.UUID, raw, mediaURL string) (*models.BackstagePost, error) {
	body, err := Text(raw, "body", MaxPostRunes)
	if err != nil {
		return nil, err
	}
	p := &models.BackstagePost{ID: models.NewID(), ArtistID: artistID, Body: body, CreatedAt: b.Now()}
	if mediaURL != "" {
		u, err := url.Parse(mediaURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(mediaURL) > maxMediaURLSize {
			return nil, models.FieldError("media_url", "media_url must be an https URL without credentials (at most %d bytes)", maxMediaURLSize)
		}
		p.MediaURL = &mediaURL
	}
	return p, b.Store.CreateBackstagePost(ctx, p)
}
