package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// profileEdge is the business profile's edge of the phone number.
const profileEdge = "whatsapp_business_profile"

// Business profile limits (Meta's business profile reference; the website
// limits are also the Zendesk document's).
const (
	MaxProfileAbout       = 139 // runes
	MaxProfileAddress     = 256
	MaxProfileDescription = 512
	MaxProfileEmail       = 128
	MaxProfileWebsites    = 2
	MaxProfileWebsite     = 256 // runes of each website
)

// verticalNames maps the industry codes the API takes to the names the
// Zendesk document lists, in its order.
var verticalNames = [...][2]string{
	{"AUTO", "Automotive"},
	{"BEAUTY", "Beauty, Spa and Salon"},
	{"APPAREL", "Clothing and Apparel"},
	{"EDU", "Education"},
	{"ENTERTAIN", "Entertainment"},
	{"EVENT_PLAN", "Event Planning and Service"},
	{"FINANCE", "Finance and Banking"},
	{"GROCERY", "Food and Grocery"},
	{"GOVT", "Public Service"},
	{"HOTEL", "Hotel and Lodging"},
	{"HEALTH", "Medical and Health"},
	{"NONPROFIT", "Non-profit"},
	{"PROF_SERVICES", "Professional Services"},
	{"RETAIL", "Shopping and Retail"},
	{"TRAVEL", "Travel and Transportation"},
	{"RESTAURANT", "Restaurant"},
}

// Verticals returns the industry codes a profile's vertical may take: the
// 16 of the Zendesk document's fixed list, in its order. The slice is a new
// copy on every call.
func Verticals() []string {
	out := make([]string, len(verticalNames))
	for i, v := range verticalNames {
		out[i] = v[0]
	}
	return out
}

// VerticalCode returns the industry code of a vertical written as its code
// ("AUTO") or exactly as the Zendesk document names it ("Automotive").
func VerticalCode(v string) (string, bool) {
	for _, n := range verticalNames {
		if v == n[0] || v == n[1] {
			return n[0], true
		}
	}
	return "", false
}

// CheckProfile reports whether p is a valid business profile for a fake
// configured with verticals (nil: [Verticals]); nil means valid. The rules:
// about at most 139 characters, address 256, description 512, email 128
// and of the form local@domain, at most 2 websites of at most 256
// characters each, starting with http:// or https://, and a vertical from
// the list. Every failure is code 100.
func CheckProfile(p BusinessProfile, verticals []string) *Error {
	if verticals == nil {
		verticals = Verticals()
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"about", p.About, MaxProfileAbout}, {"address", p.Address, MaxProfileAddress},
		{"description", p.Description, MaxProfileDescription}, {"email", p.Email, MaxProfileEmail}} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return errParamf("Param %s must be at most %d characters long; got %d.", f.name, f.max, n)
		}
	}
	if p.Email != "" {
		local, domain, ok := strings.Cut(p.Email, "@")
		if !ok || local == "" || domain == "" || strings.ContainsAny(domain, "@ ") || strings.ContainsAny(local, " ") {
			return errParamf("Param email must be a valid email address; got %q.", p.Email)
		}
	}
	if len(p.Websites) > MaxProfileWebsites {
		return errParamf("Param websites must have at most %d elements; got %d.", MaxProfileWebsites, len(p.Websites))
	}
	for i, w := range p.Websites {
		if n := utf8.RuneCountInString(w); n > MaxProfileWebsite {
			return errParamf("Param websites[%d] must be at most %d characters long; got %d.", i, MaxProfileWebsite, n)
		}
		rest, ok := strings.CutPrefix(w, "https://")
		if !ok {
			rest, ok = strings.CutPrefix(w, "http://")
		}
		if !ok || rest == "" {
			return errParamf("Param websites[%d] must be a URL starting with http:// or https://; got %q.", i, w)
		}
	}
	if p.Vertical != "" && !slices.Contains(verticals, p.Vertical) {
		return errParamf("Param vertical must be one of %s; got %q.", strings.Join(verticals, ", "), p.Vertical)
	}
	return nil
}

// profileUpdate is the body of a profile POST: the fields given (nil: not
// given, left as they are).
type profileUpdate struct {
	MessagingProduct     *string   `json:"messaging_product"`
	About                *string   `json:"about"`
	Address              *string   `json:"address"`
	Description          *string   `json:"description"`
	Email                *string   `json:"email"`
	ProfilePictureHandle *string   `json:"profile_picture_handle"`
	Vertical             *string   `json:"vertical"`
	Websites             *[]string `json:"websites"`
}

// parseProfileUpdate decodes a profile POST body: one JSON object whose
// declared fields have their types (strings; websites an array of
// strings); other fields are ignored.
func parseProfileUpdate(body []byte) (profileUpdate, error) {
	var u profileUpdate
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&u); err != nil {
		return profileUpdate{}, err
	}
	if _, err := d.Token(); err != io.EOF {
		return profileUpdate{}, errors.New("data after the JSON object")
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("null")) {
		return profileUpdate{}, errors.New("the body must be a JSON object")
	}
	return u, nil
}

// apply returns p with the update's fields set.
func (u *profileUpdate) apply(p BusinessProfile) BusinessProfile {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.About, u.About)
	set(&p.Address, u.Address)
	set(&p.Description, u.Description)
	set(&p.Email, u.Email)
	set(&p.ProfilePictureHandle, u.ProfilePictureHandle)
	set(&p.Vertical, u.Vertical)
	if u.Websites != nil {
		p.Websites = slices.Clone(*u.Websites)
	}
	return p
}

// profileFields are the fields GET may ask for.
var profileFields = []string{"about", "address", "description", "email", "profile_picture_url", "websites", "vertical", "messaging_product"}

// ProfileData is data[0] of a profile GET: the fields asked for (all when
// fields is not given) and messaging_product.
type ProfileData struct {
	About             string   `json:"about,omitempty"`
	Address           string   `json:"address,omitempty"`
	Description       string   `json:"description,omitempty"`
	Email             string   `json:"email,omitempty"`
	ProfilePictureURL string   `json:"profile_picture_url,omitempty"`
	Websites          []string `json:"websites,omitempty"`
	Vertical          string   `json:"vertical,omitempty"`
	MessagingProduct  string   `json:"messaging_product"`
}

// ProfileResponse is the 200 answer of GET
// /{version}/{phone-number-id}/whatsapp_business_profile.
type ProfileResponse struct {
	Data []ProfileData `json:"data"`
}

// Profile returns the business profile now.
func (s *Server) Profile() BusinessProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lim.profile
	p.Websites = slices.Clone(p.Websites)
	return p
}

// handleProfile answers GET and POST of the business profile.
func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.getProfile(w, r)
	case http.MethodPost:
		s.setProfile(w, r)
	default:
		s.fail(w, r, errUnsupported(r.Method, s.cfg.PhoneNumberID), "")
	}
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	want := map[string]bool{}
	if f := r.URL.Query().Get("fields"); f != "" {
		for _, name := range strings.Split(f, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(profileFields, name) {
				s.fail(w, r, errParamf("Tried accessing nonexisting field (%s) on node type (WhatsAppBusinessProfile).", name), "")
				return
			}
			want[name] = true
		}
	} else {
		for _, name := range profileFields {
			want[name] = true
		}
	}
	p := s.Profile()
	d := ProfileData{MessagingProduct: "whatsapp"}
	if want["about"] {
		d.About = p.About
	}
	if want["address"] {
		d.Address = p.Address
	}
	if want["description"] {
		d.Description = p.Description
	}
	if want["email"] {
		d.Email = p.Email
	}
	if want["profile_picture_url"] && p.ProfilePictureHandle != "" {
		d.ProfilePictureURL = "https://pps.whatsapp.net/v/" + p.ProfilePictureHandle
	}
	if want["websites"] {
		d.Websites = p.Websites
	}
	if want["vertical"] {
		d.Vertical = p.Vertical
	}
	b, err := EncodeEscaped(ProfileResponse{Data: []ProfileData{d}})
	if err != nil { // cannot happen: strings only
		s.fail(w, r, errParam(err.Error()), "")
		return
	}
	s.okRequest(r)
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) setProfile(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.fail(w, r, errParam("Could not read the request body: "+err.Error()), "")
		return
	}
	if len(body) > maxBody {
		s.fail(w, r, errParamf("The request body is larger than %d bytes.", maxBody), "")
		return
	}
	u, err := parseProfileUpdate(body)
	if err != nil {
		s.fail(w, r, errParam("Invalid JSON in the request body: "+err.Error()), "")
		return
	}
	if u.MessagingProduct == nil || *u.MessagingProduct != "whatsapp" {
		s.fail(w, r, errParam(`The parameter messaging_product is required and must be "whatsapp".`), "")
		return
	}
	s.mu.Lock()
	p := u.apply(s.lim.profile)
	if e := CheckProfile(p, s.lim.verticals); e != nil {
		s.mu.Unlock()
		s.fail(w, r, e, "")
		return
	}
	s.lim.profile = p
	s.mu.Unlock()
	s.okRequest(r)
	writeJSON(w, http.StatusOK, []byte(`{"success":true}`))
}

// okRequest journals a 200 answer of a non-send route.
func (s *Server) okRequest(r *http.Request) {
	now := s.now()
	s.mu.Lock()
	s.addRequestLocked(now, r, http.StatusOK, 0)
	s.mu.Unlock()
}

// VerticalNames returns the Zendesk document's names of the verticals, in
// its order. The slice is a new copy on every call.
func VerticalNames() []string {
	out := make([]string, len(verticalNames))
	for i, v := range verticalNames {
		out[i] = v[1]
	}
	return out
}
