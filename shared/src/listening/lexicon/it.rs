//! Italian lexicon (issue 24, eighth session): before it Italian borrowed French, Spanish and
//! English, so even its negator `non` went unread.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        // Lost, swapped, missing, someone else's (issue 24).
        (-1.0, "sparito sparita spariti smarrito smarrita perso persa persi nessuna_risposta senza_risposta mancano mancava sbagliato sbagliata sbagliati"),
        // Lukewarm: "ok, nothing special" is neutral, not praise.
        (-0.25, "niente_di_speciale nulla_di"),
        (2.0, "eccellent* fantastic* straordinari* perfett* meravigli* stupend* impeccabil* consigliatissim* top"),
        (1.5, "consiglio consigliato consigliata consiglierei grazie ringrazi* bravissim* ottim*"),
        (1.0, "bravi bravo brava buon buono buona buoni buone gentil* cordial* disponibil* professional* onest* veloc* rapid* puntual* pulit* soddisfatt* affidabil* contento contenta contenti"),
        (0.5, "bene ok carino carina discreto"),
        (-0.5, "caro cari cara care lento lenta lenti attesa aspettare reclamo reclami errore errori ritardo ritardi"),
        (-1.0, "male cattiv* scortes* sporc* rott* graffi* ammaccat* problem* peggio purtroppo inutil* difettos* ignorat* dimenticat*"),
        (-1.5, "maleducat* incompetent* deluso delusa delusi deludente* arrogant* scandalos* vergogn*"),
        (-2.0, "pessim* orribil* terribil* disastr* vergognos* truffa* truffator* schifo* mai_più"),
        (-1.5, "ancora_aspetto sto_ancora aspetto_ancora"),
        // Explicit words found missing on spent blind sets (twenty-first session).
        (-2.0, "la_peggiore il_peggiore malissimo indecent* ladri"),
        // Explicit words found missing on spent blind sets (twenty-first session).
        (-1.5, "sconsiglio sconsigliato sconsigliata sconsigliati"),
    ],
    duties: "riparato riparata ripararono sistemato sistemata sistemarono risolto risolta risolsero scusati scusa scuse rimborsat* \
             richiamato richiamata richiamano richiama risposto risposta rispondono risponde spiegato spiegata spiegano arrivato arrivata arrivati \
             consegnato consegnata funziona funzionano funzionava",
    negators: "non mai nessun nessuno nessuna niente nulla né senza neanche nemmeno neppure",
    intensifiers: &[
        (1.5, "molto davvero veramente totalmente assolutamente super estremamente"),
        (1.3, "troppo così tanto proprio"),
        (0.6, "poco leggermente"),
    ],
    contrasts: "ma però invece tuttavia",
    soft_contrasts: "",
    concessives: "anche_se sebbene benché nonostante",
    negating_prefixes: "",
    superlative_prefixes: "",
    max_ending: 4,
    latin_only: false,
    negative_concord: true,
    cues: &[
        (super::PROMISE_CUE, "promesso promessi dovevano|doveva>richiamar*|chiamar*|consegnar*|finir*"),
        (-1.0, "dopo>#|due|tre|quattro|cinque|dieci>giorni|settimane|mesi ancora>niente|nessuno|nulla|non \
                stesso>problema|rumore|difetto|guasto nessuno>mi|ci>ha>richiamat*|chiamat*|rispost* \
                #|due|tre|quattro|cinque>mail|email|messaggi|telefonate>senza \
                seconda|terza|quarta|quinta>volta>che+porto|torno|chiamo|scrivo|vado \
                per>la>seconda|terza|quarta|quinta>volta \
                chiamato|scritto|tornato|tornata+due|tre|quattro|cinque|#>volte neanche>una|un"),
        (1.0, "senza>che+chiedessi|chiedesse|chiedere senza>chiedere|chiederlo nessuna>sorpresa \
               esattamente>il>preventivo come>promesso prima>del>previsto \
               seconda|terza|quarta>macchina|auto|volta>che+compro|prendo"),
    ],
    cue_breakers: "al alla del della più meno so sicuro",
    cue_blockers: "ogni prossima prossimo tra fra",
    quotes: "preventiv* detto dissero prezzo* tariff* listino",
    charges: "fattur* pagato pagati pagare addebitat* scontrino totale conto",
    agains: "ancora volta nuovamente",
    waits: "aspetto aspettiamo aspettando attendo attendiamo",
    spans: "giorni settimana settimane mese mesi ore",
};
