{#
    The pairs of a word of `words` and a spelling of `spellings` one slip apart (a letter
    wrong, added or missing, or two swapped: Damerau-Levenshtein distance 1), both
    `min_length` letters or more: every column of both relations.

    A single slip in a word of four letters or more leaves its first two letters or its
    last two as they were, so only spellings that start or end so are compared: two joins
    on equal letters, not a distance for every word and every spelling. A pair may come
    out of both joins.
#}
{% macro one_slip_apart(words, word, spellings, spelling, min_length) %}
    select *
    from (
        select {{ words }}.*, {{ spellings }}.*
        from {{ words }}
        inner join {{ spellings }}
            on left({{ words }}.{{ word }}, 2) = left({{ spellings }}.{{ spelling }}, 2)
        union all
        select {{ words }}.*, {{ spellings }}.*
        from {{ words }}
        inner join {{ spellings }}
            on right({{ words }}.{{ word }}, 2) = right({{ spellings }}.{{ spelling }}, 2)
    ) as candidates
    where length({{ word }}) >= {{ min_length }}
        and length({{ spelling }}) >= {{ min_length }}
        and abs(length({{ word }}) - length({{ spelling }})) <= 1
        and damerau_levenshtein({{ word }}, {{ spelling }}) = 1
{% endmacro %}
