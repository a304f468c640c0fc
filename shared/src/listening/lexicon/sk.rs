//! Slovak lexicon.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        // Lost, swapped, missing, someone else's, moved (issue 24).
        (-1.0, "zmizol zmizla zmizlo zmizli bez_odpovede žiadna_odpoveď stratili stratil stratila zamenili zamenil preložili cudzie cudzí cudzích chýba chýbal chýbala chýbali"),
        // Lukewarm: "ok, nothing special" is neutral, not praise (issue 24).
        (-0.25, "nič_zvláštne nič_extra nič_svetové nič_špeciálne"),
        (2.0, "zlatí zlatá zlatý parádne výborn* vynikajúc* skvel* perfektn* úžasn* dokonal* fantastick* nadšen* palec_hore \
               bezchybn*"),
        (1.5, "super odporúč* ďakuj* vďaka paráda"),
        (1.0, "oceňuj* krásn* profík profesionál poctiv* ústretovo ohľaduplň* pohotov* klaplo spoľahlivo útuln* dobr* spokojn* príjemn* ochotn* trpezliv* rýchl* profesionáln* férov* slušn* pekn* \
               spoľahliv* čistý čistá čisté čistú čistého čistom čisto čistota čistotu čistoty čistote lepší lepšie dôver* ochota mily mila mile milo milú to_stojí \
               ústretov* chutn* pohodln*"),
        (0.5, "veriť lacn* ok"),
        (-0.5, "drahé drahý drahá draho dlho reklamáci* čakanie"),
        (-1.0, "otravn* štve toho_dosť špinav* stratili stratil tlačil tlačili vnútiť vnucoval* hlučn* chybn* na_nič zbytočn* nefunkčn* pokrčili_plecami zly zlá zlé zle zlý zlého slab* pomal* problém* chyb* poškoden* poškriaban* rozbit* \
                ignor* luh* horší horšie škoda_že bohužiaľ nepríjemn* ľutoval ľutovať"),
        (-1.5, "nefér nepoctiv* neschopn* drzý drzá drzé drzosť arogantn* sklam* nahnev* naštv* nespokojn* predražen* neochotn* \
                strata_času stáčaj* neprofesionáln* nekompetentn*"),
        (-2.0, "hrozn* strašn* katastrof* otrasn* príšern* najhorší hnus* odporn* hanba podvod* \
                už_nikdy nikdy_viac zlodej*"),
        // Praise said with a nickname or a deed rather than an adjective.
        (2.0, "zlatá_duša zlatý_človek zlaté_ruky poklad"),
        (1.5, "zachránil* nad_rámec"),
        (1.0, "bez_rečí bez_debát"),
        // Complaints told as facts: damage, excuses, fobbing off, waiting, what is missing.
        (-1.0, "popraskan* prasklin* prasknut* preliačen* tečie vyhovár* výhovor* odmietl* zabudl* chýba \
                stále_čakám ešte_čakám"),
        (-1.5, "odbili odbil"),
        (1.0, "výhodn*"),
        (-1.0, "večnosť"),
        (-1.0, "pomýlil* poplietol poplietli"),
    ],
    duties: "opravil* opraven* vyriešil* vyriešen* ospravedlnil* ospravedln* odškodn* vrátili_peniaze vymenil* \
             vymenen* priznal* odpovedal* odpoveď* odpovedaj* zavolal zavolali ozval* vysvetlil* vysvetliť \
             vysvetlen* dorazil* doručil* započít* započíta* uplatnil* funguje fungujú fungovalo dovolať \
             dovolal* dvíha dvíhajú zdvihol zdvihli zdvihne",
    negators: "nie ne nikdy nikto nič nebol nebola nebolo neboli nemá nemajú bez ani žiadny žiadna \
               žiadne nikoho nevie nevedia nevedel nevedeli nemôže nemôžu nemohol nemohli nechce nechcú nechcel nechceli nedokáže nedokázal nedokázali",
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
    cues: &[
        // Fixed what others could not (issue 24): "two other garages", "Dva servisy".
        // A favour told with "and even" (issue 24): "and they even topped up the screenwash".
        (1.0, "dva|tri|dve|iné|iný|ďalšie>servisy|servis|mechanici|lekári a>ešte|dokonca"),
        // A promise (issue 24): a complaint only when the mention tells it was broken (see
        // `PROMISE_CUE`): "promised Friday, nothing yet", not "promised to call when the part comes".
        (super::PROMISE_CUE, "sľúbili|sľúbil|sľúbila|sľubovali|tvrdili|tvrdil|uisťovali vraj>bude"),
        // Issue 24: waits counted, still nothing, promises, the same fault again, nobody calls.
        (-1.0, "ani+ani #|desať|dvadsať|štyridsať>minút>neskôr|meškanie naúčtovali|strhli|stiahli>dvakrát #|dva|tri|štyri|päť>maily|mailov|správy|správ|hovory|hovorov #|dva|tri|štyri|päť|desať>dní|dni|týždne|týždňov|mesiace|mesiacov|hodín|hodiny>už|späť|nič|stále stále|dodnes|furt|pořád>nič|nie|nik|nikto|žiadn* rovnaká|rovnaký|rovnakú|rovnaké>závad*|problém*|zvuk|chyb* tá|ten|tú|to>istá|istý|istú|isté>závad*|problém*|zvuk|chyb* nikto>sa>neozval|neozvali nikto>nedvíha|nezdvíha|neodpovedal"),
        (-1.0, "tretíkrát štvrtýkrát \
                volal|volala|písal|písala|reklamoval|reklamovala+dvakrát|trikrát|štyrikrát|päťkrát|viackrát|niekoľkokrát|mnohokrát \
                dvakrát|trikrát|štyrikrát|päťkrát|viackrát|niekoľkokrát|mnohokrát+volal|volala|písal|písala|reklamoval|reklamovala \
                čakám|čakal|čakala|čakali|čakáme+týždeň|týždne|týždňov|mesiac|mesiace|mesiacov týždeň|mesiac|týždne|mesiace>čakám \
                ani>len predtým>nesvietil*"),
        (1.0, "bez>pripomínania|urgovania sami>od>seba sami>ponúkli|ponúkol|ponúkla bez|žiadne>prekvapenia|prekvapení \
               ani>len+nemusel|nemusela|nemuseli ako>sľúbili|sľúbil|sľúbila skôr>ako|než+sľúbil*|plánoval*"),
    ],
    cue_breakers: "zle zlé problém problémy problémov poruchy ročne lacnejšie rýchlejšie viac menej netuším neviem do",
    cue_blockers: "každú každý každé o budúci budúceho ešte",
    quotes: "leták* cenník* povedal povedala povedali sľúbili sľúbil sľúbila odhad* ponuk* cenov* cena inzerát* kalkuláci*",
    charges: "platení bloč* doúčtovali zaplatil* zaplatila faktúr* účet blok* naúčtoval* účtovali pýtali chceli zrazu",
    agains: "stále furt zase znova opäť zas",
    waits: "čakám čakáme volám píšem",
    spans: "dní dni týždeň týždne týždňov mesiac mesiace mesiacov hodín hodiny hodinu",
};
