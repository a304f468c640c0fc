//! Portuguese lexicon (issue 24, eighth session): before it Portuguese borrowed Spanish and
//! English, so `não` went unread.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        // Lost, swapped, missing, someone else's (issue 24).
        (-1.0, "desapareceu desaparecido desaparecida perdido perdida perderam sem_resposta nenhuma_resposta errado errada errados trocaram"),
        // Lukewarm: "ok, nothing special" is neutral, not praise.
        (-0.25, "nada_de_especial nada_especial"),
        (2.0, "excelent* fantástic* perfeit* maravilh* impecáv* espetacular* incrív* top"),
        (1.5, "recomendo recomendado recomendada obrigad* agradeç* ótim* optim*"),
        (1.0, "bom boa bons boas simpátic* atencios* profission* honest* rápid* pontua* limp* satisfeit* confiáv* content*"),
        (0.5, "bem ok"),
        (-0.5, "caro cara caros caras lento lenta espera reclamação reclamações erro erros atraso atrasos faltam faltava"),
        (-1.0, "mal mau má sujo suja sujos estragad* partid* riscad* amolgad* problema* pior infelizmente inútil defeituos* ignorad* esqueceram esqueceu"),
        (-1.5, "incompetent* desiludid* decepcion* arrogant* vergonh*"),
        (-2.0, "péssim* horrív* terrív* desastr* burla* vigaris* nunca_mais"),
        (-1.5, "continuo_à ainda_espero"),
        // Explicit words found missing on spent blind sets (twenty-first session).
        (-2.0, "horroros* lixo porcaria porcarias nojent* vergonhos* pilantra* ladrões ladrão"),
    ],
    duties: "reparado reparada repararam arranjado arranjada arranjaram resolvido resolvida resolveram desculpa desculpas pediram_desculpa reembols* \
             ligaram ligou devolveram responderam respondeu resposta explicaram explicou chegou chegaram entregaram entregue funciona funcionam funcionava",
    negators: "não nunca ninguém nada nem sem nenhum nenhuma jamais",
    intensifiers: &[
        (1.5, "muito mesmo realmente totalmente absolutamente super extremamente"),
        (1.3, "demasiado tão bastante"),
        (0.6, "pouco ligeiramente"),
    ],
    contrasts: "mas porém contudo todavia",
    soft_contrasts: "",
    concessives: "embora apesar",
    negating_prefixes: "",
    superlative_prefixes: "",
    max_ending: 4,
    latin_only: false,
    negative_concord: true,
    cues: &[
        (super::PROMISE_CUE, "prometeram prometeu ficaram|ficou>de+ligar|entregar|devolver|responder"),
        (-1.0, "há>#|dois|duas|três|quatro|cinco|dez>dias|semanas|meses ainda>nada|ninguém|não \
                mesmo>problema|barulho|defeito|erro ninguém>me|nos>ligou|respondeu|disse \
                #|dois|três|quatro|cinco>emails|mensagens|chamadas>sem \
                segunda|terceira|quarta|quinta>vez>que+levo|volto|ligo|escrevo|vou \
                pela>segunda|terceira|quarta|quinta>vez \
                liguei|escrevi|voltei|fui+duas|três|quatro|cinco|#>vezes nem>sequer"),
        (1.0, "sem>que+pedisse|pedir sem>pedir nenhuma>surpresa sem>surpresas \
               exatamente>o>orçamento como>prometido antes>do>previsto|prometido \
               segundo|terceiro|quarto>carro>que+compro|comprei"),
    ],
    cue_breakers: "ao à do da mais menos sei certeza",
    cue_blockers: "cada próxima próximo daqui dentro",
    quotes: "orçament* disseram disse preço* tabela",
    charges: "fatura* paguei pagámos pagamos cobraram cobrou total conta",
    agains: "ainda vez novamente continua",
    waits: "espero esperamos esperando aguardo aguardamos",
    spans: "dias semana semanas mês meses horas",
};
