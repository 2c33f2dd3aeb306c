package whatsapp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const profilePath = "/v21.0/" + DefaultPhoneNumberID + "/whatsapp_business_profile"

func TestBusinessProfile(t *testing.T) {
	s, _ := newTest(Config{})
	valid := `{"messaging_product":"whatsapp","about":"Open 9-5","address":"1 Main St","description":"Shoes","email":"help@example.com","vertical":"RETAIL","websites":["https://example.com","http://shop.example.com/` + strings.Repeat("a", 256-len("http://shop.example.com/")) + `"]}`
	if w := do(s, "POST", profilePath, "application/json", []byte(valid), bearer); w.Code != 200 || w.Body.String() != `{"success":true}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	p := s.Profile()
	if p.Vertical != "RETAIL" || len(p.Websites) != 2 || p.Email != "help@example.com" {
		t.Fatalf("%+v", p)
	}
	tests := []struct {
		name, body, detail string
	}{
		{"three websites", `{"messaging_product":"whatsapp","websites":["https://a.com","https://b.com","https://c.com"]}`, "at most 2"},
		{"website of 257 characters", `{"messaging_product":"whatsapp","websites":["https://` + strings.Repeat("a", 257-8) + `"]}`, "at most 256"},
		{"website without scheme", `{"messaging_product":"whatsapp","websites":["example.com"]}`, "http:// or https://"},
		{"bare scheme", `{"messaging_product":"whatsapp","websites":["https://"]}`, "http:// or https://"},
		{"vertical not in the list", `{"messaging_product":"whatsapp","vertical":"CARS"}`, "Param vertical"},
		{"vertical as Zendesk's name", `{"messaging_product":"whatsapp","vertical":"Automotive"}`, "Param vertical"},
		{"about of 140", `{"messaging_product":"whatsapp","about":"` + strings.Repeat("é", 140) + `"}`, "about must be at most 139"},
		{"address of 257", `{"messaging_product":"whatsapp","address":"` + strings.Repeat("a", 257) + `"}`, "address"},
		{"description of 513", `{"messaging_product":"whatsapp","description":"` + strings.Repeat("a", 513) + `"}`, "description"},
		{"email without @", `{"messaging_product":"whatsapp","email":"help"}`, "email"},
		{"email of 129", `{"messaging_product":"whatsapp","email":"` + strings.Repeat("a", 122) + `@ex.com"}`, "email must be at most 128"},
		{"no messaging_product", `{"about":"x"}`, "messaging_product"},
		{"websites not an array", `{"messaging_product":"whatsapp","websites":"https://a.com"}`, "Invalid JSON"},
		{"not JSON", `{`, "Invalid JSON"},
		{"null", `null`, "Invalid JSON"},
		{"two objects", `{"messaging_product":"whatsapp"}{}`, "Invalid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := wantError(t, do(s, "POST", profilePath, "application/json", []byte(tc.body), bearer), 400, CodeInvalidParameter)
			if !strings.Contains(e.Details(), tc.detail) {
				t.Fatalf("details %q, want %q", e.Details(), tc.detail)
			}
			if got := s.Profile(); got.Vertical != "RETAIL" || len(got.Websites) != 2 || got.About != "Open 9-5" {
				t.Fatalf("refused update changed the profile: %+v", got)
			}
		})
	}
	// A partial update keeps the other fields; every vertical of the list
	// is accepted.
	for _, v := range Verticals() {
		if w := do(s, "POST", profilePath, "application/json", []byte(`{"messaging_product":"whatsapp","vertical":"`+v+`"}`), bearer); w.Code != 200 {
			t.Fatalf("%s: %d %s", v, w.Code, w.Body)
		}
	}
	if got := s.Profile(); got.Vertical != "RESTAURANT" || got.About != "Open 9-5" {
		t.Fatalf("%+v", got)
	}

	w := do(s, "GET", profilePath+"?fields=about,websites", "", nil, bearer)
	if w.Code != 200 || w.Body.String() != `{"data":[{"about":"Open 9-5","websites":["https:\/\/example.com","http:\/\/shop.example.com\/`+strings.Repeat("a", 256-len("http://shop.example.com/"))+`"],"messaging_product":"whatsapp"}]}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = do(s, "GET", profilePath, "", nil, bearer)
	var r ProfileResponse
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || len(r.Data) != 1 || r.Data[0].Vertical != "RESTAURANT" || r.Data[0].Email != "help@example.com" {
		t.Fatalf("%s", w.Body)
	}
	wantError(t, do(s, "GET", profilePath+"?fields=about,phone", "", nil, bearer), 400, CodeInvalidParameter)
	wantError(t, do(s, "DELETE", profilePath, "", nil, bearer), 400, CodeInvalidParameter)
	wantError(t, do(s, "GET", profilePath, "", nil, ""), 401, CodeInvalidToken)
	wantError(t, do(s, "GET", "/v21.0/999/whatsapp_business_profile", "", nil, bearer), 400, CodeInvalidParameter)
}

func TestVerticals(t *testing.T) {
	if v := Verticals(); len(v) != 16 || v[0] != "AUTO" || v[15] != "RESTAURANT" {
		t.Fatal(v)
	}
	names := VerticalNames()
	// The Zendesk document's list, in its order.
	want := "Automotive|Beauty, Spa and Salon|Clothing and Apparel|Education|Entertainment|Event Planning and Service|Finance and Banking|Food and Grocery|Public Service|Hotel and Lodging|Medical and Health|Non-profit|Professional Services|Shopping and Retail|Travel and Transportation|Restaurant"
	if strings.Join(names, "|") != want {
		t.Fatal(names)
	}
	for _, tc := range []struct{ in, code string }{{"Automotive", "AUTO"}, {"AUTO", "AUTO"}, {"Non-profit", "NONPROFIT"}, {"automotive", ""}, {"OTHER", ""}} {
		if c, ok := VerticalCode(tc.in); c != tc.code || ok != (tc.code != "") {
			t.Errorf("%q: %q %v", tc.in, c, ok)
		}
	}
}

// FuzzProfileAPI posts arbitrary bodies to the business profile: never a
// panic, a Graph answer every time, and the profile changes only on 200,
// into a valid one.
func FuzzProfileAPI(f *testing.F) {
	f.Add([]byte(`{"messaging_product":"whatsapp","about":"a","websites":["https://a.com"],"vertical":"EDU"}`))
	f.Add([]byte(`{"messaging_product":"whatsapp","websites":["https://a.com","https://b.com","https://c.com"]}`))
	f.Add([]byte(`{"messaging_product":"whatsapp","vertical":null,"websites":null}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"messaging_product":"whatsapp","email":"a@b"}{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, _ := newTest(Config{})
		before := s.Profile()
		w := do(s, "POST", profilePath, "application/json", body, bearer)
		switch w.Code {
		case http.StatusOK:
			if e := CheckProfile(s.Profile(), nil); e != nil {
				t.Fatalf("accepted an invalid profile: %v", e)
			}
		case http.StatusBadRequest:
			if _, err := graphError(w.Body.Bytes()); err != nil {
				t.Fatal(err)
			}
			after := s.Profile()
			if after.About != before.About || len(after.Websites) != len(before.Websites) || after.Vertical != before.Vertical {
				t.Fatal("refused body changed the profile")
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
		if !bytes.HasPrefix(w.Body.Bytes(), []byte("{")) {
			t.Fatalf("body %s", w.Body)
		}
	})
}
