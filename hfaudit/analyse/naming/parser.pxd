# Cython declarations for the compiled copy of parser.py (setup.py copies this file beside it as
# _cparser.pxd; parser.py itself stays plain Python and never reads it). They make the parser's
# helpers cpdef, so parse_name calls them as C functions instead of through Python's call protocol,
# and say which arguments and locals are lists, so indexing and appending skip the type checks.
# Only types a value always has are declared: a wrong one raises TypeError in the compiled copy,
# which the tests comparing it with the pure module would show (tests/test_naming.py).
import cython

cpdef tuple _token_entry(str low, object v)
cpdef _classify(str low, object v, Py_ssize_t position, Py_ssize_t count, object prev_type)
cpdef _shape(str low)
cpdef long _fact_code(str low, object seg_type, object kind, dict families)
cpdef long _proto_flags(str low, object seg_type, object kind)
cpdef list _chunks(str name)
cpdef tuple _chunk_entry(str chunk, object v)
cpdef tuple _plain_chunk_entry(str chunk, object v, long flags)
cpdef _chunk_alias(str chunk, object v)
cpdef bint _may_have_phrase(list ces, object v)
cpdef long _jiang_bits(str chunk)
cpdef str _jiang_of(long bits, object seg_types, object family, object size_params)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, k=Py_ssize_t, count=Py_ssize_t, pos=Py_ssize_t, toks=list, typed=list)
cpdef list _typed_general(str name, object v, list texts, list lows, object pres)
cpdef bint _is_base(tuple tok, object v)

@cython.locals(lows=list, groups=list, n=Py_ssize_t, i=Py_ssize_t, k=Py_ssize_t, toks=list, count=Py_ssize_t,
               pos=Py_ssize_t, typed=list)
cpdef list _typed_phrases(str name, object v, list ces, long flags)

@cython.locals(ces=list, typed=list, seg_texts=list, seg_types=list, variants=list, chunks=list, i=Py_ssize_t,
               pos=Py_ssize_t, count=Py_ssize_t, counts=list, tok=list)
cpdef parse_name(model_id, vocab=*)

@cython.locals(last=Py_ssize_t, i=Py_ssize_t)
cpdef _no_is_english(list typed)
@cython.locals(i=Py_ssize_t)
cpdef _tags_are_no_languages(list typed, list tags)
@cython.locals(langs=Py_ssize_t, last=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, is_lang=list)
cpdef _language_pairs(list typed, object v)

cpdef str _version_as_written(str raw, str name)
@cython.locals(out=list, pos=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, j=Py_ssize_t, parts=list)
cpdef list _as_written(list texts, str name)
@cython.locals(out=list, pos=Py_ssize_t, start=Py_ssize_t)
cpdef list _offsets(list texts, str name)

cpdef _join(list into, list tok, bint before=*)
@cython.locals(live=list, n=Py_ssize_t, i=Py_ssize_t, tok=list, nxt_number=bint)
cpdef list _absorb(list typed)
@cython.locals(i=Py_ssize_t, run_len=Py_ssize_t, has_ident=bint, has_desc=bint, only_context=bint, late=list, t=list)
cpdef _resolve_free(list live, object brands=*)
cpdef bint _holds(list items, object item)
