//! Slovak lexicon.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        (2.0, "zlatí zlatá zlatý parádne výborn* vynikajúc* skvel* perfektn* úžasn* dokonal* fantastick* nadšen* palec_hore \
               bezchybn*"),
        (1.5, "super odporúč* ďakuj* vďaka paráda"),
        (1.0, "oceňuj* krásn* profík profesionál poctiv* ústretovo ohľaduplň* pohotov* klaplo spoľahlivo útuln* dobr* spokojn* príjemn* ochotn* trpezliv* rýchl* profesionáln* férov* slušn* pekn* \
               spoľahliv* čist* lepší lepšie dôver* ochota mily mila mile milo milú to_stojí \
               ústretov* chutn* pohodln*"),
        (0.5, "veriť lacn* zavolal zavolali ok"),
        (-0.5, "drahé drahý drahá draho dlho reklamáci* čakanie"),
        (-1.0, "otravn* štve toho_dosť špinav* stratili stratil tlačil tlačili vnútiť vnucoval* hlučn* chybn* na_nič zbytočn* nefunkčn* pokrčili_plecami zly zlá zlé zle zlý zlého slab* pomal* problém* chyb* poškoden* poškriaban* rozbit* \
                ignor* luh* horší horšie škoda_že bohužiaľ nepríjemn* ľutoval ľutovať"),
        (-1.5, "nefér nepoctiv* neschopn* drzý drzá drzé drzosť arogantn* sklam* nahnev* naštv* nespokojn* predražen* neochotn* \
                strata_času stáčaj* neprofesionáln* nekompetentn*"),
        (-2.0, "hrozn* strašn* katastrof* otrasn* príšern* najhorší hnus* odporn* hanba podvod* \
                už_nikdy nikdy_viac zlodej*"),
    ],
    negators: "nie ne nikdy nikto nič nebol nebola nebolo neboli nemá nemajú bez ani žiadny žiadna \
               žiadne nikoho",
    intensifiers: &[
        (1.5, "veľmi naozaj fakt úplne absolútne vôbec oveľa strašne mimoriadne extrémne veľké veľká \
               veľký"),
        (1.3, "príliš tak dosť toľko"),
        (0.6, "trochu celkom pomerne"),
    ],
    contrasts: "ale však avšak lenže zato",
    soft_contrasts: "",
    concessives: "hoci hoc napriek",
    negating_prefixes: "ne",
    superlative_prefixes: "naj",
    max_ending: 5,
    latin_only: false,
    negative_concord: true,
};
