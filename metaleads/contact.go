package metaleads

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/ecademy/leadkit/internal/contact"
)

// Contact is the canonical contact extracted from a lead's field_data.
//
// Text fields are trimmed with inner white space collapsed; of a field with
// several values the first non-blank one is used. Email is lower-cased and
// validated; Phone is E.164. A field the lead does not carry
// (or carries empty) is "". Values that could not be used for their contact
// field (a second e-mail, an invalid e-mail, a second phone...) are kept in
// Answers under their original key, so no submitted data is lost.
type Contact struct {
	// FullName is the submitted full name, or "First Last" built from
	// FirstName and LastName when the form only asked for those.
	FullName string
	// FirstName is the submitted first name, or the first word of FullName
	// when the form only asked for a full name.
	FirstName string
	// LastName is the submitted last name, or the rest of FullName when the
	// form only asked for a full name.
	LastName string
	// Email is the normalised e-mail address (lower-case), or "".
	Email string
	// Phone is the phone number in E.164 ("+380631234567"), or "" when no
	// submitted phone number is valid.
	Phone string
	// PhoneRaw is the phone number as submitted (trimmed, inner white space
	// collapsed), also when it could not be parsed.
	PhoneRaw string
	// Country is the submitted country, as given (Meta's prefill usually
	// sends an ISO 3166-1 alpha-2 code).
	Country string
	// City is the submitted city.
	City string
	// State is the submitted state, province or region.
	State string
	// ZIP is the submitted postal code.
	ZIP string
	// Street is the submitted street address.
	Street string
	// CompanyName is the submitted company name.
	CompanyName string
	// JobTitle is the submitted job title.
	JobTitle string
	// DateOfBirth is the submitted date of birth, as given.
	DateOfBirth string
	// Gender is the submitted gender, as given.
	Gender string
	// Answers maps every other field's original key to its value, trimmed,
	// with multiple values joined by ", ". Fields without a non-blank value
	// are left out; Answers is nil when nothing is left.
	Answers map[string]string
}

// ContactField names a field of Contact that lead fields can be mapped to.
type ContactField int

// Contact fields. AnswerField, the zero value, maps a key to Contact.Answers;
// use it in NormalizerOptions.Aliases to stop a default alias from applying.
const (
	AnswerField    ContactField = iota // not a contact field: kept in Contact.Answers
	FullNameField                      // Contact.FullName
	FirstNameField                     // Contact.FirstName
	LastNameField                      // Contact.LastName
	EmailField                         // Contact.Email
	PhoneField                         // Contact.Phone and Contact.PhoneRaw
	CountryField                       // Contact.Country
	CityField                          // Contact.City
	StateField                         // Contact.State
	ZIPField                           // Contact.ZIP
	StreetField                        // Contact.Street
	CompanyField                       // Contact.CompanyName
	JobTitleField                      // Contact.JobTitle
	DOBField                           // Contact.DateOfBirth
	GenderField                        // Contact.Gender

	numContactFields // number of ContactField values; keep last
)

var contactFieldNames = [numContactFields]string{
	"Answer", "FullName", "FirstName", "LastName", "Email", "Phone", "Country",
	"City", "State", "ZIP", "Street", "Company", "JobTitle", "DOB", "Gender",
}

// String returns the field's name without the "Field" suffix, e.g. "Email".
func (f ContactField) String() string {
	if f < 0 || f >= numContactFields {
		return fmt.Sprintf("ContactField(%d)", int(f))
	}
	return contactFieldNames[f]
}

// defaultAliasList lists the default field keys per contact field, as
// written in forms; they are normalised with normKey into defaultAliases.
// Standard Graph keys come first, then Russian, Ukrainian, Polish, German and
// Spanish custom-question keys.
var defaultAliasList = map[ContactField][]string{
	FullNameField: {
		"full_name", "fullname", "name", "your_name",
		"фио", "ф.и.о.", "полное_имя", "имя_и_фамилия", "фамилия_и_имя", "имя_фамилия", "фамилия_имя",
		"повне_ім'я", "піб", "п.і.б.", "ім'я_та_прізвище", "ім'я_і_прізвище", "прізвище_та_ім'я", "прізвище_ім'я", "ім'я_прізвище",
		"imię_i_nazwisko", "vollständiger_name", "vor-_und_nachname", "nombre_completo", "nombre_y_apellido", "nombre_y_apellidos",
	},
	FirstNameField: {
		"first_name", "firstname", "given_name",
		"имя", "ваше_имя", "ім'я", "ваше_ім'я",
		"imię", "vorname", "nombre",
	},
	LastNameField: {
		"last_name", "lastname", "surname", "family_name",
		"фамилия", "прізвище",
		"nazwisko", "nachname", "apellido", "apellidos",
	},
	EmailField: {
		"email", "e-mail", "email_address", "e-mail_address", "work_email",
		"эл._адрес", "эл._почта", "электронная_почта", "адрес_электронной_почты", "email_адрес", "e-mail_адрес", "почта",
		"ел._адреса", "ел._пошта", "електронна_пошта", "адреса_електронної_пошти", "email_адреса", "e-mail_адреса", "пошта",
		"adres_e-mail", "e-mail-adresse", "correo_electrónico", "correo",
	},
	PhoneField: {
		"phone_number", "phone", "work_phone_number", "mobile_phone", "mobile_phone_number", "telephone",
		"телефон", "номер_телефона", "мобильный_телефон", "контактный_телефон",
		"номер_телефону", "мобільний_телефон", "контактний_телефон",
		"telefon", "numer_telefonu", "telefonnummer", "handynummer", "teléfono", "telefono", "número_de_teléfono",
	},
	CountryField: {"country", "страна", "країна", "kraj", "land", "país"},
	CityField:    {"city", "город", "місто", "miasto", "stadt", "ort", "ciudad"},
	StateField: {
		"state", "province", "region",
		"область", "регион", "регіон",
		"województwo", "bundesland", "provincia",
	},
	ZIPField: {
		"zip", "zip_code", "zipcode", "post_code", "postcode", "postal_code",
		"индекс", "почтовый_индекс", "індекс", "поштовий_індекс",
		"kod_pocztowy", "postleitzahl", "plz", "código_postal",
	},
	StreetField: {
		"street_address", "street", "address",
		"адрес", "улица", "адреса", "вулиця",
		"adres", "ulica", "straße", "strasse", "adresse", "dirección", "calle",
	},
	CompanyField: {
		"company_name", "company",
		"компания", "название_компании", "компанія", "назва_компанії",
		"firma", "nazwa_firmy", "unternehmen", "empresa", "nombre_de_la_empresa",
	},
	JobTitleField: {
		"job_title", "position",
		"должность", "посада",
		"stanowisko", "berufsbezeichnung", "cargo", "puesto",
	},
	DOBField: {
		"date_of_birth", "birthday", "birth_date", "dob",
		"дата_рождения", "дата_народження",
		"data_urodzenia", "geburtsdatum", "fecha_de_nacimiento",
	},
	GenderField: {"gender", "sex", "пол", "стать", "płeć", "geschlecht", "género", "sexo"},
}

// defaultAliases maps normalised keys to contact fields; never mutated.
var defaultAliases = func() map[string]ContactField {
	m := make(map[string]ContactField, 256)
	for f, keys := range defaultAliasList {
		for _, k := range keys {
			m[normKey(k)] = f
		}
	}
	return m
}()

// DefaultAliases returns a copy of the built-in key-to-field aliases, with
// keys in their normalised form (see NormalizerOptions.Aliases).
func DefaultAliases() map[string]ContactField {
	m := make(map[string]ContactField, len(defaultAliases))
	for k, v := range defaultAliases {
		m[k] = v
	}
	return m
}

// normKey normalises a field key for alias matching: it trims it, lower-cases
// it, turns runs of blanks, dashes and underscores into a single '_', turns
// typographic apostrophes (’ ‘ ʼ ` ´) into ', and drops leading '¿'/'_' and
// trailing '?', ':' and '_' (ASCII and full-width). "Номер телефону:" and
// "номер_телефону" normalise alike, as do "Ім’я" and "ім'я".
func normKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSep := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '_' || r == '-' || unicode.IsSpace(r) || unicode.Is(unicode.Pd, r):
			pendingSep = true
			continue
		case r == '\u2019' || r == '\u2018' || r == '\u02bc' || r == '`' || r == '\u00b4':
			r = '\''
		case r == '\u200b' || r == '\ufeff' || r == '\u200c' || r == '\u200d' || r == '\u2060':
			continue
		}
		if b.Len() == 0 && r == '¿' {
			continue
		}
		if pendingSep && b.Len() > 0 {
			b.WriteByte('_')
		}
		pendingSep = false
		b.WriteRune(r)
	}
	return strings.TrimRightFunc(b.String(), func(r rune) bool {
		return r == '?' || r == ':' || r == '_' || r == '？' || r == '：'
	})
}

// NormalizerOptions configures NewNormalizer.
type NormalizerOptions struct {
	// Region is the ISO 3166-1 alpha-2 region used to parse phone numbers
	// written without a country code. Default "UA".
	Region string
	// Aliases maps extra field keys to contact fields. Keys are matched like
	// the defaults (see Normalizer.Contact) and override them; map a key to
	// AnswerField to keep it in Contact.Answers.
	Aliases map[string]ContactField
}

// Normalizer turns lead field_data into a Contact. It is immutable after
// construction and safe for concurrent use.
type Normalizer struct {
	region  string
	aliases map[string]ContactField
}

// NewNormalizer returns a Normalizer for opts. It fails when Region is not a
// region phonenumbers supports, or when an alias key is blank or maps to an
// unknown ContactField.
func NewNormalizer(opts NormalizerOptions) (*Normalizer, error) {
	region := opts.Region
	if region == "" {
		region = "UA"
	}
	region, ok := contact.Region(region)
	if !ok {
		return nil, fmt.Errorf("metaleads: unsupported phone region %q", opts.Region)
	}
	aliases := defaultAliases
	if len(opts.Aliases) > 0 {
		aliases = DefaultAliases()
		for k, f := range opts.Aliases {
			nk := normKey(k)
			if nk == "" {
				return nil, errors.New("metaleads: blank alias key")
			}
			if f < 0 || f >= numContactFields {
				return nil, fmt.Errorf("metaleads: alias %q: unknown %v", k, f)
			}
			aliases[nk] = f
		}
	}
	return &Normalizer{region: region, aliases: aliases}, nil
}

// Field returns the contact field that a form field key maps to under this
// Normalizer's aliases (the defaults plus NormalizerOptions.Aliases), or
// AnswerField when none applies, i.e. when Contact keeps the key's value in
// Contact.Answers. Keys are matched as Contact matches them: case-insensitively,
// after trimming, with blanks and dashes read as '_' and a trailing '?' or
// ':' ignored, so Field("Phone Number:") is PhoneField. A field that maps to
// a contact field can still end up in Answers when its value is unusable
// (an invalid e-mail) or a second one.
func (n *Normalizer) Field(key string) ContactField {
	if f, ok := n.aliases[key]; ok { // fast path: already normalised
		return f
	}
	return n.aliases[normKey(key)]
}

// firstValue returns the first non-blank value, whitespace-collapsed.
func firstValue(values []string) string {
	for _, v := range values {
		if v = contact.Name(v); v != "" {
			return v
		}
	}
	return ""
}

// joinValues returns the non-blank values, trimmed, joined by ", ".
func joinValues(values []string) string {
	if len(values) == 1 {
		return strings.TrimSpace(values[0])
	}
	var b strings.Builder
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// phoneCandidate is a submitted phone value waiting for region resolution.
type phoneCandidate struct {
	key, raw string
}

// Contact builds the canonical contact from a lead's field_data.
//
// Each field key is matched against the aliases case-insensitively after
// trimming, with blanks and dashes normalised to '_' and a trailing '?' or
// ':' removed ("Phone Number", "phone-number:" and "phone_number" all match
// PhoneField). For each contact field the first usable value wins: the first
// valid e-mail address, the first valid phone number (parsed with the lead's
// Country when that is an ISO region code such as "PL", then with the
// Normalizer's region), the first non-blank text otherwise. When no phone is valid, Phone
// is "" and PhoneRaw holds the first submitted one. Everything else, unused
// contact values included, goes to Answers under the original key.
//
// Names: when only FirstName/LastName are submitted, FullName is "First
// Last"; when only FullName is, it is split with the first word as FirstName.
func (n *Normalizer) Contact(fields []Field) Contact {
	var (
		c      Contact
		text   [numContactFields]*string
		phones []phoneCandidate
	)
	text[FullNameField], text[FirstNameField], text[LastNameField] = &c.FullName, &c.FirstName, &c.LastName
	text[CountryField], text[CityField], text[StateField], text[ZIPField] = &c.Country, &c.City, &c.State, &c.ZIP
	text[StreetField], text[CompanyField], text[JobTitleField] = &c.Street, &c.CompanyName, &c.JobTitle
	text[DOBField], text[GenderField] = &c.DateOfBirth, &c.Gender

	addAnswer := func(key, v string) {
		if v == "" {
			return
		}
		if c.Answers == nil {
			c.Answers = make(map[string]string)
		}
		if old, ok := c.Answers[key]; ok {
			v = old + ", " + v
		}
		c.Answers[key] = v
	}

	for _, f := range fields {
		cf := n.Field(f.Name)
		switch cf {
		case AnswerField:
			addAnswer(f.Name, joinValues(f.Values))
		case EmailField:
			v := firstValue(f.Values)
			if e := contact.Email(v); e != "" && c.Email == "" {
				c.Email = e
			} else {
				addAnswer(f.Name, v)
			}
		case PhoneField:
			if v := firstValue(f.Values); v != "" {
				phones = append(phones, phoneCandidate{f.Name, v})
			}
		default:
			if v := firstValue(f.Values); *text[cf] == "" {
				*text[cf] = v
			} else {
				addAnswer(f.Name, v)
			}
		}
	}

	if len(phones) > 0 {
		chosen := n.pickPhone(&c, phones)
		for i, p := range phones {
			if i != chosen {
				addAnswer(p.key, p.raw)
			}
		}
	}

	switch {
	case c.FullName == "":
		c.FullName = contact.Name(c.FirstName + " " + c.LastName)
	case c.FirstName == "" && c.LastName == "":
		c.FirstName, c.LastName = contact.SplitName(c.FullName)
	}
	return c
}

// pickPhone sets c.Phone and c.PhoneRaw from the first valid candidate (or
// PhoneRaw from the first one when none is valid) and returns its index.
// c.Country is tried before the default region when it is a region code:
// it is what the lead said about themselves, the default region is a guess.
func (n *Normalizer) pickPhone(c *Contact, phones []phoneCandidate) int {
	regions := [2]string{n.region}
	if r, ok := contact.Region(c.Country); ok && r != n.region {
		regions = [2]string{r, n.region}
	}
	for i, p := range phones {
		for _, region := range regions {
			if region == "" {
				continue
			}
			if e, ok := contact.Phone(p.raw, region); ok {
				c.Phone, c.PhoneRaw = e, p.raw
				return i
			}
		}
	}
	c.PhoneRaw = phones[0].raw
	return 0
}

// ContactFromLead is Contact(l.Fields).
func (n *Normalizer) ContactFromLead(l Lead) Contact {
	return n.Contact(l.Fields)
}

// AnswersByLabel returns c.Answers keyed by question label where form has a
// question with that key (matched exactly, or like aliases are), so that the
// answers read well in a CRM note. When an answer equals the key of one of
// the question's options (and not the value of another), it is replaced by
// that option's value. Answers without a labelled question keep their key;
// so does an answer whose label would collide with an existing entry. It
// returns nil when c.Answers is empty.
func (n *Normalizer) AnswersByLabel(c Contact, form Form) map[string]string {
	if len(c.Answers) == 0 {
		return nil
	}
	byKey := make(map[string]*Question, 2*len(form.Questions))
	for i := range form.Questions {
		q := &form.Questions[i]
		if _, dup := byKey[q.Key]; !dup {
			byKey[q.Key] = q
		}
	}
	for i := range form.Questions {
		q := &form.Questions[i]
		if nk := normKey(q.Key); nk != "" {
			if _, dup := byKey[nk]; !dup {
				byKey[nk] = q
			}
		}
	}

	out := make(map[string]string, len(c.Answers))
	var labelled []string
	for k, v := range c.Answers {
		q := byKey[k]
		if q == nil {
			q = byKey[normKey(k)]
		}
		if q == nil || contact.Name(q.Label) == "" {
			out[k] = v
			continue
		}
		labelled = append(labelled, k)
	}
	slices.Sort(labelled) // deterministic collision handling
	for _, k := range labelled {
		q := byKey[k]
		if q == nil {
			q = byKey[normKey(k)]
		}
		label := contact.Name(q.Label)
		v := optionValue(q, c.Answers[k])
		if _, taken := out[label]; !taken {
			out[label] = v
		} else if _, taken := out[k]; !taken {
			out[k] = v
		} else {
			out[label+" ("+k+")"] = v
		}
	}
	return out
}

// optionValue maps an answer that is an option key of q to the option's
// value; any other answer is returned unchanged.
func optionValue(q *Question, answer string) string {
	mapped := ""
	for _, o := range q.Options {
		if o.Value == answer {
			return answer
		}
		if o.Key == answer && mapped == "" {
			mapped = o.Value
		}
	}
	if mapped != "" {
		return mapped
	}
	return answer
}
