//! A Pratt parser for JSONata 2.0 (the version the service runs), building the path form
//! directly: `a.b[0]` becomes one `Path` whose last step carries the filter as a stage.

use super::ast::{BinOp, Kind, Lambda, Node, SortTerm};
use super::lexer::{Lexer, Tok, Token};
use super::signature::Signature;
use super::JsonataError;

/// Nesting limit: deeper expressions are rejected instead of overflowing the stack.
const MAX_DEPTH: usize = 1000;

pub(crate) fn parse(text: &str) -> Result<Node, JsonataError> {
    let mut parser = Parser {
        lexer: Lexer::new(text),
        text,
        tok: Token {
            kind: Tok::End,
            pos: 0,
        },
        depth: 0,
    };
    parser.advance(true)?;
    let node = parser.expression(0)?;
    if parser.tok.kind != Tok::End {
        return Err(parser.unexpected("end of expression"));
    }
    Ok(node)
}

struct Parser<'s> {
    lexer: Lexer<'s>,
    text: &'s str,
    tok: Token,
    depth: usize,
}

/// Left binding power of the current token.
fn lbp(tok: &Tok) -> u8 {
    match tok {
        Tok::Op(op) => match *op {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "*" | "/" | "%" | "**" => 60,
            "+" | "-" | "&" => 50,
            "=" | "!=" | "<" | "<=" | ">" | ">=" | "^" | "~>" | "in" => 40,
            "and" => 30,
            "or" => 25,
            "?" => 20,
            ":=" => 10,
            _ => 0,
        },
        _ => 0,
    }
}

fn binop(op: &str) -> Option<BinOp> {
    Some(match op {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Mod,
        "=" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "&" => BinOp::Concat,
        "and" => BinOp::And,
        "or" => BinOp::Or,
        "in" => BinOp::In,
        _ => return None,
    })
}

impl Parser<'_> {
    /// Moves to the next token; `prefix` says whether an operand may start there.
    fn advance(&mut self, prefix: bool) -> Result<(), JsonataError> {
        self.tok = self.lexer.next(prefix)?;
        Ok(())
    }

    /// Moves past the current token, deciding from it whether an operand follows.
    fn bump(&mut self) -> Result<Token, JsonataError> {
        let prefix = !matches!(
            self.tok.kind,
            Tok::Name(_)
                | Tok::Var(_)
                | Tok::Str(_)
                | Tok::Num(_)
                | Tok::Bool(_)
                | Tok::Null
                | Tok::Regex { .. }
                | Tok::Op(")")
                | Tok::Op("]")
                | Tok::Op("}")
        );
        let next = self.lexer.next(prefix)?;
        Ok(std::mem::replace(&mut self.tok, next))
    }

    fn is(&self, op: &str) -> bool {
        matches!(self.tok.kind, Tok::Op(o) if o == op)
    }

    fn expect(&mut self, op: &str) -> Result<Token, JsonataError> {
        if self.is(op) {
            self.bump()
        } else {
            Err(self.unexpected(&format!("`{op}`")))
        }
    }

    fn unexpected(&self, wanted: &str) -> JsonataError {
        let found = match &self.tok.kind {
            Tok::End => {
                return JsonataError::new(
                    "S0203",
                    format!("expected {wanted} before end of expression"),
                    self.tok.pos,
                )
            }
            Tok::Op(o) => format!("`{o}`"),
            Tok::Name(n) => format!("`{n}`"),
            Tok::Var(v) => format!("`${v}`"),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Num(n) => format!("`{n}`"),
            Tok::Bool(b) => format!("`{b}`"),
            Tok::Null => "`null`".to_string(),
            Tok::Regex { pattern, .. } => format!("`/{pattern}/`"),
        };
        JsonataError::new(
            "S0202",
            format!("expected {wanted}, got {found}"),
            self.tok.pos,
        )
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, JsonataError> {
        self.deeper()?;
        let entered = self.depth;
        let left = super::eval::with_stack(|| {
            let token = self.bump()?;
            let mut left = self.nud(token)?;
            while rbp < lbp(&self.tok.kind) {
                // `1 + 1 + 1 ...` loops here rather than recursing, but each operator puts the
                // tree so far one level further down: the limit counts those levels too, or a
                // long flat chain would build a tree too deep for the passes that walk it.
                self.deeper()?;
                let token = self.bump()?;
                left = self.led(token, left)?;
            }
            Ok(left)
        })?;
        self.depth = entered - 1;
        Ok(left)
    }

    /// One more level of nesting, refused past [`MAX_DEPTH`].
    fn deeper(&mut self) -> Result<(), JsonataError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JsonataError::new(
                "S0213",
                "expression is nested too deeply",
                self.tok.pos,
            ));
        }
        Ok(())
    }

    /// An operand, or a prefix operator and its operand.
    fn nud(&mut self, token: Token) -> Result<Node, JsonataError> {
        let pos = token.pos;
        let kind = match token.kind {
            Tok::Name(name) => return Ok(path_of(Node::new(Kind::Name(name), pos))),
            Tok::Var(name) => Kind::Var(name),
            Tok::Str(s) => Kind::Str(s),
            Tok::Num(n) => Kind::Num(n),
            Tok::Bool(b) => Kind::Bool(b),
            Tok::Null => Kind::Null,
            Tok::Regex { pattern, flags } => Kind::Regex(compile_regex(&pattern, &flags, pos)?),
            Tok::Op(op @ ("and" | "or" | "in")) => {
                return Ok(path_of(Node::new(Kind::Name(op.to_string()), pos)))
            }
            Tok::Op("*") => Kind::Wildcard,
            Tok::Op("**") => Kind::Descendants,
            Tok::Op("-") => {
                let operand = self.expression(70)?;
                if let Kind::Num(n) = operand.kind {
                    if operand.predicates.is_empty() && operand.group.is_none() {
                        return Ok(Node::new(Kind::Num(-n), pos));
                    }
                }
                Kind::Neg(Box::new(operand))
            }
            Tok::Op("(") => {
                let mut items = Vec::new();
                while !self.is(")") {
                    items.push(self.expression(0)?);
                    if !self.is(";") {
                        break;
                    }
                    self.bump()?;
                }
                self.expect(")")?;
                Kind::Block(items)
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                if !self.is("]") {
                    loop {
                        let mut item = self.expression(0)?;
                        if self.is("..") {
                            let at = self.bump()?.pos;
                            let rhs = self.expression(0)?;
                            item = Node::new(
                                Kind::Binary(BinOp::Range, Box::new(item), Box::new(rhs)),
                                at,
                            );
                        }
                        items.push(item);
                        if !self.is(",") {
                            break;
                        }
                        self.bump()?;
                    }
                }
                self.expect("]")?;
                Kind::Array(items)
            }
            Tok::Op("{") => Kind::Object(self.object_pairs()?),
            Tok::Op("|") => {
                let pattern = self.expression(0)?;
                self.expect("|")?;
                let update = self.expression(0)?;
                let delete = if self.is(",") {
                    self.bump()?;
                    Some(Box::new(self.expression(0)?))
                } else {
                    None
                };
                self.expect("|")?;
                Kind::Transform {
                    pattern: Box::new(pattern),
                    update: Box::new(update),
                    delete,
                }
            }
            Tok::Op("%") => {
                return Err(JsonataError::new(
                    "S0217",
                    "the parent operator `%` is not supported",
                    pos,
                ))
            }
            Tok::End => {
                return Err(JsonataError::new(
                    "S0207",
                    "unexpected end of expression",
                    pos,
                ));
            }
            Tok::Op(op) => {
                return Err(JsonataError::new(
                    "S0211",
                    format!("the symbol `{op}` cannot be used as a unary operator"),
                    pos,
                ))
            }
        };
        Ok(Node::new(kind, pos))
    }

    fn object_pairs(&mut self) -> Result<Vec<(Node, Node)>, JsonataError> {
        let mut pairs = Vec::new();
        if !self.is("}") {
            loop {
                let key = self.expression(0)?;
                self.expect(":")?;
                let value = self.expression(0)?;
                pairs.push((key, value));
                if !self.is(",") {
                    break;
                }
                self.bump()?;
            }
        }
        self.expect("}")?;
        Ok(pairs)
    }

    /// An infix or postfix operator applied to `left`.
    fn led(&mut self, token: Token, left: Node) -> Result<Node, JsonataError> {
        let pos = token.pos;
        let Tok::Op(op) = token.kind else {
            return Err(JsonataError::new("S0201", "syntax error", pos));
        };
        match op {
            "." => {
                let rhs = self.expression(75)?;
                dot(left, rhs, pos)
            }
            "[" => {
                if self.is("]") {
                    self.bump()?;
                    let mut left = left;
                    mark_keep_array(&mut left);
                    return Ok(left);
                }
                let predicate = self.expression(0)?;
                self.expect("]")?;
                let mut left = left;
                let target = match &mut left.kind {
                    Kind::Path { steps, .. } => {
                        let step = steps.last_mut().expect("paths have steps");
                        if step.group.is_some() {
                            return Err(JsonataError::new(
                                "S0209",
                                "a predicate cannot follow a grouping expression in a step",
                                pos,
                            ));
                        }
                        &mut step.stages
                    }
                    _ => {
                        if left.group.is_some() {
                            return Err(JsonataError::new(
                                "S0209",
                                "a predicate cannot follow a grouping expression in a step",
                                pos,
                            ));
                        }
                        &mut left.predicates
                    }
                };
                target.push(predicate);
                Ok(left)
            }
            "{" => {
                let pairs = self.object_pairs()?;
                let mut left = left;
                if left.group.is_some() {
                    return Err(JsonataError::new(
                        "S0210",
                        "each step can only have one grouping expression",
                        pos,
                    ));
                }
                left.group = Some(pairs);
                Ok(left)
            }
            "(" => self.call(left, pos),
            "?" => {
                let then = self.expression(0)?;
                let otherwise = if self.is(":") {
                    self.bump()?;
                    Some(Box::new(self.expression(0)?))
                } else {
                    None
                };
                Ok(Node::new(
                    Kind::Condition {
                        condition: Box::new(left),
                        then: Box::new(then),
                        otherwise,
                    },
                    pos,
                ))
            }
            ":=" => {
                let (Kind::Var(name), true) = (&left.kind, left.predicates.is_empty()) else {
                    return Err(JsonataError::new(
                        "S0212",
                        "the left side of `:=` must be a variable name (start with `$`)",
                        left.pos,
                    ));
                };
                let name = name.clone();
                let value = self.expression(9)?;
                Ok(Node::new(Kind::Bind(name, Box::new(value)), pos))
            }
            "~>" => {
                let rhs = self.expression(40)?;
                Ok(Node::new(Kind::Apply(Box::new(left), Box::new(rhs)), pos))
            }
            "^" => {
                self.expect("(")?;
                let mut terms = Vec::new();
                loop {
                    let mut descending = false;
                    if self.is("<") {
                        self.bump()?;
                    } else if self.is(">") {
                        descending = true;
                        self.bump()?;
                    }
                    terms.push(SortTerm {
                        descending,
                        expr: self.expression(0)?,
                    });
                    if !self.is(",") {
                        break;
                    }
                    self.bump()?;
                }
                self.expect(")")?;
                let mut path = into_path(left);
                if let Kind::Path { steps, .. } = &mut path.kind {
                    steps.push(Node::new(Kind::Sort(terms), pos));
                }
                Ok(path)
            }
            "@" | "#" => Err(JsonataError::new(
                "S0217",
                format!("the `{op}` binding operator is not supported"),
                pos,
            )),
            _ => {
                let Some(bin) = binop(op) else {
                    return Err(JsonataError::new(
                        "S0201",
                        format!("syntax error: unexpected `{op}`"),
                        pos,
                    ));
                };
                let rhs = self.expression(lbp(&Tok::Op(op)))?;
                Ok(Node::new(
                    Kind::Binary(bin, Box::new(left), Box::new(rhs)),
                    pos,
                ))
            }
        }
    }

    /// `f(args)`, a partial application `f(?, x)` or a lambda `function($x){...}`.
    fn call(&mut self, procedure: Node, pos: usize) -> Result<Node, JsonataError> {
        let mut args = Vec::new();
        let mut partial = false;
        if !self.is(")") {
            loop {
                if self.is("?") {
                    let at = self.bump()?.pos;
                    args.push(Node::new(Kind::Placeholder, at));
                    partial = true;
                } else {
                    args.push(self.expression(0)?);
                }
                if !self.is(",") {
                    break;
                }
                self.bump()?;
            }
        }
        // `)` is followed by an operand-less position only for lambdas (`{`), so lex the
        // next token as after an operand.
        if !self.is(")") {
            return Err(self.unexpected("`)`"));
        }
        let is_lambda = matches!(&procedure.kind, Kind::Path { steps, .. }
            if steps.len() == 1 && matches!(&steps[0].kind, Kind::Name(n) if n == "function" || n == "λ"));
        if !is_lambda {
            self.bump()?;
            return Ok(Node::new(
                Kind::Call {
                    procedure: Box::new(procedure),
                    args,
                    partial,
                },
                pos,
            ));
        }
        let mut params = Vec::new();
        for arg in args {
            match arg.kind {
                Kind::Var(name) => params.push(name),
                _ => return Err(JsonataError::new(
                    "S0208",
                    "the parameters of a function definition must be variables (start with `$`)",
                    arg.pos,
                )),
            }
        }
        // read an optional signature `<...>` straight from the text, then the body
        let after = self.tok.pos + 1;
        let rest = &self.text[after..];
        let trimmed = rest.trim_start();
        let signature = if trimmed.starts_with('<') {
            let start = after + (rest.len() - trimmed.len());
            let end = matching_angle(&self.text[start..]).ok_or_else(|| {
                JsonataError::new("S0401", "function signature has no closing `>`", start)
            })?;
            let sig = Signature::parse(&self.text[start..start + end + 1], start)?;
            self.lexer = Lexer::at(self.text, start + end + 1);
            self.advance(false)?;
            Some(sig)
        } else {
            self.bump()?;
            None
        };
        self.expect("{")?;
        let body = self.expression(0)?;
        self.expect("}")?;
        Ok(Node::new(
            Kind::Lambda(Box::new(Lambda {
                params,
                signature,
                body,
            })),
            pos,
        ))
    }
}

/// Byte index of the `>` closing the `<` at the start of `text`.
fn matching_angle(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            '{' => return None,
            _ => {}
        }
    }
    None
}

fn compile_regex(pattern: &str, flags: &str, pos: usize) -> Result<regex::Regex, JsonataError> {
    let mut builder = regex::RegexBuilder::new(pattern);
    builder.case_insensitive(flags.contains('i'));
    builder.multi_line(flags.contains('m'));
    builder.build().map_err(|e| {
        JsonataError::new(
            "S0302",
            format!("invalid regular expression /{pattern}/: {e}"),
            pos,
        )
    })
}

fn path_of(step: Node) -> Node {
    let pos = step.pos;
    Node::new(
        Kind::Path {
            steps: vec![step],
            keep_singleton: false,
        },
        pos,
    )
}

fn into_path(node: Node) -> Node {
    if matches!(node.kind, Kind::Path { .. }) {
        node
    } else {
        path_of(node)
    }
}

/// `expr[]`: marks the innermost step (the target of the filters) to keep singleton arrays.
fn mark_keep_array(node: &mut Node) {
    match &mut node.kind {
        Kind::Path {
            steps,
            keep_singleton,
        } => {
            *keep_singleton = true;
            if let Some(last) = steps.last_mut() {
                last.keep_array = true;
            }
        }
        _ => node.keep_array = true,
    }
}

/// Joins `lhs.rhs` into one path.
fn dot(lhs: Node, rhs: Node, pos: usize) -> Result<Node, JsonataError> {
    let mut path = into_path(lhs);
    let Kind::Path {
        steps,
        keep_singleton,
    } = &mut path.kind
    else {
        unreachable!("into_path returns a path")
    };
    match rhs.kind {
        Kind::Path {
            steps: rest,
            keep_singleton: keep,
        } if rhs.predicates.is_empty() && rhs.group.is_none() => {
            steps.extend(rest);
            *keep_singleton |= keep;
        }
        _ => {
            let mut step = rhs;
            step.stages.append(&mut step.predicates);
            steps.push(step);
        }
    }
    for step in steps.iter_mut() {
        match &step.kind {
            Kind::Num(_) | Kind::Bool(_) | Kind::Null => {
                return Err(JsonataError::new(
                    "S0213",
                    "a literal number, boolean or null cannot be a step of a path",
                    step.pos,
                ));
            }
            Kind::Str(s) => step.kind = Kind::Name(s.clone()),
            _ => {}
        }
        *keep_singleton |= step.keep_array;
    }
    if let Some(first) = steps.first_mut() {
        if matches!(first.kind, Kind::Array(_)) {
            first.cons_array = true;
        }
    }
    if let Some(last) = steps.last_mut() {
        if matches!(last.kind, Kind::Array(_)) {
            last.cons_array = true;
        }
    }
    path.pos = pos.min(path.pos);
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(node: &Node) -> String {
        let inner = match &node.kind {
            Kind::Path {
                steps,
                keep_singleton,
            } => format!(
                "path{}({})",
                if *keep_singleton { "[]" } else { "" },
                steps.iter().map(shape).collect::<Vec<_>>().join(" ")
            ),
            Kind::Name(n) => n.clone(),
            Kind::Var(v) => format!("${v}"),
            Kind::Num(n) => n.to_string(),
            Kind::Str(s) => format!("'{s}'"),
            Kind::Binary(op, l, r) => format!("({} {} {})", shape(l), op.symbol(), shape(r)),
            Kind::Call {
                procedure, args, ..
            } => format!(
                "{}({})",
                shape(procedure),
                args.iter().map(shape).collect::<Vec<_>>().join(", ")
            ),
            Kind::Bind(name, value) => format!("${name} := {}", shape(value)),
            Kind::Lambda(l) => format!("fn({}){{{}}}", l.params.join(","), shape(&l.body)),
            Kind::Condition {
                condition,
                then,
                otherwise,
            } => format!(
                "({} ? {} : {})",
                shape(condition),
                shape(then),
                otherwise.as_ref().map(|o| shape(o)).unwrap_or_default()
            ),
            other => format!("{other:?}").chars().take(12).collect(),
        };
        let stages: String = node
            .stages
            .iter()
            .map(|s| format!("[{}]", shape(s)))
            .collect();
        let preds: String = node
            .predicates
            .iter()
            .map(|s| format!("<{}>", shape(s)))
            .collect();
        format!("{inner}{stages}{preds}")
    }

    fn parsed(text: &str) -> String {
        shape(&parse(text).unwrap())
    }

    #[test]
    fn paths_absorb_steps_and_predicates_become_stages() {
        assert_eq!(parsed("$states.input.a[0].b"), "path($states input a[0] b)");
        assert_eq!(parsed("a.'b c'"), "path(a b c)");
        assert_eq!(parsed("$x[1]"), "$x<1>");
    }

    #[test]
    fn operator_precedence() {
        assert_eq!(parsed("1 + 2 * 3"), "(1 + (2 * 3))");
        assert_eq!(
            parsed("a = 1 and b < 2 or c"),
            "(((path(a) = 1) and (path(b) < 2)) or path(c))"
        );
        assert_eq!(parsed("-2 * 3"), "(-2 * 3)");
        assert_eq!(parsed("x > 1 ? 'a' : 'b'"), "((path(x) > 1) ? 'a' : 'b')");
    }

    #[test]
    fn bindings_lambdas_and_calls() {
        assert_eq!(parsed("$fn := function($x){$x}"), "$fn := fn(x){$x}");
        assert_eq!(parsed("$sum(a) + $v"), "($sum(path(a)) + $v)");
        assert_eq!(parsed("function($x)<n:n>{$x}(2)"), "fn(x){$x}(2)");
    }

    #[test]
    fn syntax_errors_carry_codes_and_positions() {
        let e = parse("1 +").unwrap_err();
        assert_eq!((e.code.as_str(), e.position), ("S0207", 3));
        let e = parse("(1").unwrap_err();
        assert_eq!(e.code, "S0203");
        assert_eq!(parse("1 2").unwrap_err().code, "S0202");
        assert_eq!(parse("a.1").unwrap_err().code, "S0213");
        assert_eq!(parse("2 := 3").unwrap_err().code, "S0212");
        assert_eq!(parse("a ?: b").unwrap_err().code, "S0211");
    }

    #[test]
    fn a_long_flat_operator_chain_is_refused_as_too_deep_not_overflowing_later() {
        // Each operator of a flat chain nests the tree one level: 7,000 terms used to parse
        // into a tree that overflowed the stack of the passes after the parser.
        for op in ["+", "and", "&", "~>", "=", "."] {
            let long = vec!["1"; 7_000].join(&format!(" {op} "));
            let e = parse(&long).unwrap_err();
            assert_eq!(e.code, "S0213", "{op}: {}", e.message);
        }
        let fits = vec!["1"; 900].join(" + ");
        assert!(parse(&fits).is_ok());
    }
}
